package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// findingPrefix marks Welcome's rows that are scan findings, apart from runs' ids.
const findingPrefix = "finding:"

// findingScan is Welcome's scan of the region for half-made VPC-link chains. It runs beside
// the other loads and never holds up the screen: its rows join the list when it ends.
type findingScan struct {
	req     int
	loading bool
	spin    bool
	err     error
	list    []steps.Finding
	spinner spinner.Model
	retry   key.Binding
}

func newFindingScan() findingScan {
	retry := key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "scan again"))
	retry.SetEnabled(false)
	return findingScan{spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), retry: retry}
}

type (
	// findingsMsg is what a scan of the region found, for request req.
	findingsMsg struct {
		req  int
		list []steps.Finding
		err  error
	}
	// scanSpinnerMsg says the scan for req has taken long enough to show a spinner.
	scanSpinnerMsg struct{ req int }
	// findingOpenedMsg is the draft that finishes a finding, read from the account.
	findingOpenedMsg struct{ draft *draft }
)

// scanCmd scans the account's region for VPC-link chains. The saved runs let the scan tell
// the chains vpclink runs hold; a run that cannot be read only loses that link.
func scanCmd(ctx context.Context, acct *awsops.Account, store *steps.Store, req int) tea.Cmd {
	return func() tea.Msg {
		var runs []*steps.Journal
		if store != nil {
			runs, _, _ = store.Scan()
		}
		list, err := steps.Scan(ctx, acct, runs)
		return findingsMsg{req, list, err}
	}
}

// start begins a scan; the spinner shows only if it takes longer than spinnerDelay.
func (s *findingScan) start(c *Common) tea.Cmd {
	s.req, s.loading, s.spin, s.err = c.NextReq(), true, false, nil
	s.retry.SetEnabled(false)
	req := s.req
	return tea.Batch(scanCmd(c.ScreenCtx, c.Account, c.Store, req),
		tea.Tick(spinnerDelay, func(time.Time) tea.Msg { return scanSpinnerMsg{req} }))
}

// update handles the scan's messages and its retry key; it reports whether msg was one and
// whether the findings changed.
func (s *findingScan) update(c *Common, msg tea.Msg) (cmd tea.Cmd, handled, changed bool) {
	switch msg := msg.(type) {
	case findingsMsg:
		if msg.req != s.req {
			return nil, true, false
		}
		s.loading, s.spin, s.err = false, false, msg.err
		s.retry.SetEnabled(msg.err != nil)
		if msg.err == nil {
			s.list = msg.list
		}
		return nil, true, true
	case scanSpinnerMsg:
		if msg.req == s.req && s.loading {
			s.spin = true
			return s.spinner.Tick, true, false
		}
		return nil, true, false
	case spinner.TickMsg:
		if !s.spin {
			return nil, false, false
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd, false, false
	case tea.KeyMsg:
		if key.Matches(msg, s.retry) {
			return s.start(c), true, false
		}
	}
	return nil, false, false
}

// view is the scan's line on Welcome: a spinner while it is slow, its error with a fix.
func (s *findingScan) view(c *Common) string {
	st := c.Styles
	switch {
	case s.err != nil:
		return c.para(st.Error.Render("✘ Could not look for half-made setups in "+c.Account.Region+": ")+s.err.Error()) + "\n" +
			c.para("Try: "+errorHint(s.err)) + "\n" + st.Subtle.Render("Press ctrl+r to scan again.") + "\n"
	case s.loading && s.spin:
		return s.spinner.View() + " Looking for half-made setups in " + c.Account.Region + "…\n"
	}
	return ""
}

// offered are the findings Welcome lists: chains with something to finish that vpclink did
// not make, or that no live run of this store holds (those are resumed as runs).
func (s *findingScan) offered(runs []*steps.Journal) []steps.Finding {
	var out []steps.Finding
	for _, f := range s.list {
		if f.Complete() {
			continue
		}
		held := f.Run != "" && slices.ContainsFunc(runs, func(j *steps.Journal) bool {
			return j.RunID == f.Run && j.State != steps.StateDestroyed && j.State != steps.StateRolledBack
		})
		if !held {
			out = append(out, f)
		}
	}
	return out
}

// findingRow is a finding's row on Welcome.
func findingRow(f steps.Finding) pickerRow {
	state, by := "half-made", "by hand"
	if len(f.Broken) > 0 {
		state = "broken"
	}
	if f.Run != "" {
		by = "run " + f.Run
	}
	return pickerRow{ID: findingPrefix + f.ID, Cells: []string{"Finish " + f.ID, state, by}}
}

// findingLine says in a line what a finding has and lacks, e.g. "Finish nlb-orders — NLB +
// VPC link + API orders; missing: stage variables".
func findingLine(f steps.Finding) string {
	var has []string
	if f.Exists.LoadBalancer != nil {
		has = append(has, "NLB")
	}
	if f.Exists.VPCLink != nil {
		has = append(has, "VPC link")
	}
	for _, a := range f.Exists.APIs {
		has = append(has, "API "+a.Name)
	}
	line := "Finish " + f.ID + " — " + strings.Join(has, " + ")
	var missing []string
	for _, m := range f.Missing {
		if s := shortMissing(m); !slices.Contains(missing, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		line += "; missing: " + strings.Join(missing, ", ")
	}
	if len(f.Broken) > 0 {
		line += fmt.Sprintf("; %d broken", len(f.Broken))
	}
	return line
}

// shortMissing shortens what a scan says is missing to its noun: "stage variables VPCLink,
// VPCNLB on stage prod of API x" → "stage variables", "a deployment of API x" → "deployment".
func shortMissing(m string) string {
	if strings.HasPrefix(m, "stage variables") {
		return "stage variables"
	}
	m = strings.TrimPrefix(strings.TrimPrefix(m, "a "), "an ")
	for _, sep := range []string{" on ", " of ", " that "} {
		if i := strings.Index(m, sep); i > 0 {
			m = m[:i]
		}
	}
	return m
}

// openFindingCmd reads from the account what finishing f adopts, and returns the draft that
// finishes it: f's plan, with the adopted VPC, load balancer, VPC link and REST API, and the
// methods the API already has.
func openFindingCmd(ctx context.Context, acct *awsops.Account, f steps.Finding) tea.Cmd {
	return func() tea.Msg {
		p, err := f.Plan()
		var need *steps.TargetsNeededError
		if err != nil && !errors.As(err, &need) {
			return errMsg{err}
		}
		res, err := steps.Resolve(ctx, acct, p)
		if err != nil {
			return errMsg{fmt.Errorf("read what %s has: %w", f.ID, err)}
		}
		d := newDraft()
		d.plan = *p
		d.vpc, d.lb, d.link, d.api = res.VPC, res.LoadBalancer, res.VPCLink, res.RestAPI
		d.instances = res.Instances // those whose groups the finish opens
		d.adopted = &adoption{finding: f}
		if res.RestAPI != nil {
			rs, err := acct.ListResources(ctx, res.RestAPI.ID)
			if err != nil {
				return errMsg{fmt.Errorf("read what %s has: %w", f.ID, err)}
			}
			proxy, ok := rs["/{proxy+}"]
			d.adopted.hasProxy, d.adopted.proxy, d.adopted.root = ok, proxy.Integrated, rs["/"].Integrated
		}
		return findingOpenedMsg{d}
	}
}

// adoption is what a draft that finishes a finding found in place: the finding, and the
// methods its REST API already integrates on /{proxy+} and on /.
type adoption struct {
	finding     steps.Finding
	hasProxy    bool
	proxy, root []string
}
