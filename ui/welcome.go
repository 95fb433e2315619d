package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

const newSetupID = "new"

// welcome shows who and where the user is, offers a new setup, and lists unfinished runs.
type welcome struct {
	c       *Common
	keys    welcomeKeys
	list    *picker
	id      awsops.Identity
	idErr   error
	idReq   int
	runs    map[string]*steps.Journal
	editing string // "profile" or "region" while one is being changed
	// elsewhere counts unfinished runs in other regions, to say how to reach them.
	elsewhere map[string]int
	input     textinput.Model
	switchErr error
	// skipped are the journals that could not be read: warned of, never blocking.
	skipped []*steps.JournalError
	// resume is the run chosen to resume, shown with what it holds until the user says y or n.
	resume resumeConfirm

	// journals are every saved run, listed once the account's id is known; foreign counts
	// the unfinished ones of other accounts, which are not offered.
	journals   []*steps.Journal
	journalErr error
	loaded     bool
	foreign    int

	// scan finds the region's half-made chains; findings are the ones listed, by row id.
	scan     findingScan
	findings map[string]*steps.Finding
}

// resumeConfirm is a run the user chose on Welcome: what it holds is checked against the
// account and shown, and resuming waits for a y, as `vpclink resume` asks (y/N).
type resumeConfirm struct {
	j       *steps.Journal
	req     int
	checked bool
	found   []steps.Found
	// runner holds the run while the user decides, so that what is shown stays true.
	runner *steps.Runner
}

// runClaimedMsg is a run this wizard took (see claimRunCmd), with its journal as read then.
type runClaimedMsg struct {
	j      *steps.Journal
	runner *steps.Runner
}

// claimRunCmd takes a saved run for this wizard before anything about it is shown or asked:
// a run another vpclink process holds, or another account's, is refused at once (errMsg).
// The journal is read once the run is held, as the last process left it.
func claimRunCmd(ctx context.Context, acct *awsops.Account, store *steps.Store, runID string) tea.Cmd {
	return func() tea.Msg {
		r := &steps.Runner{Account: acct, Store: store}
		j, err := r.Open(ctx, runID)
		if err != nil {
			return errMsg{err}
		}
		return runClaimedMsg{j, r}
	}
}

// runCheckedMsg carries what a run's recorded resources look like in the account.
type runCheckedMsg struct {
	req   int
	found []steps.Found
}

func checkRunCmd(ctx context.Context, a *awsops.Account, j *steps.Journal, req int) tea.Cmd {
	return func() tea.Msg { return runCheckedMsg{req, steps.CheckRecorded(ctx, a, j)} }
}

// confirm starts the confirmation of resuming j: it checks what the run holds, for View
// to show, and Update waits for y (resume) or n/esc (back to the list).
func (w *welcome) confirm(j *steps.Journal, runner *steps.Runner) tea.Cmd {
	w.resume = resumeConfirm{j: j, req: w.c.NextReq(), runner: runner}
	if j.State == steps.StateDestroying {
		return nil
	}
	return checkRunCmd(w.c.ScreenCtx, w.c.Account, j, w.resume.req)
}

type welcomeKeys struct {
	Profile key.Binding
	Region  key.Binding
}

func newWelcome(c *Common) *welcome {
	w := &welcome{c: c, runs: map[string]*steps.Journal{},
		keys: welcomeKeys{
			Profile: key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "profile")),
			Region:  key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "region")),
		},
		list: newPicker(c, "choices", false, table.Column{Title: "Start", Width: 34}, table.Column{Title: "State", Width: 16}, table.Column{Title: "Started", Width: 16}),
	}
	w.list.noFilter = true
	w.list.detail = w.detail
	w.scan = newFindingScan()
	w.input = newInput()
	if c.Demo {
		w.keys.Profile.SetEnabled(false) // the demo account has no profiles; it has every region
	}
	return w
}

func (w *welcome) Title() string { return "Welcome" }
func (w *welcome) Why() string {
	return "vpclink puts an API Gateway REST API in front of services that run on private EC2 instances. " +
		"API Gateway lives outside your VPC, so it reaches in through a VPC link, which targets an internal " +
		"Network Load Balancer, which forwards to the instances. Every resource is recorded the moment it " +
		"exists, so a setup that stops half-way can be resumed or rolled back later. Chains found half-made " +
		"in the region, by hand or by an earlier run, are listed too, to finish."
}

func (w *welcome) Init() tea.Cmd { return nil }

func (w *welcome) Enter() tea.Cmd {
	w.idReq = w.c.NextReq()
	req := w.c.NextReq()
	return tea.Batch(identityCmd(w.c.ScreenCtx, w.c.Account, w.idReq), loadRunsCmd(w.c.Store), w.list.load(req), w.scan.start(w.c))
}

// detail is the line under the list: what a finding has and lacks; a run's row in full
// when the table cut it.
func (w *welcome) detail(r pickerRow) string {
	if f := w.findings[r.ID]; f != nil {
		return findingLine(*f)
	}
	if w.list.cut(r) {
		return strings.Join(r.Cells, " · ")
	}
	return ""
}

// finding returns the finding chosen, or nil.
func (w *welcome) finding() *steps.Finding {
	r, ok := w.list.current()
	if !ok {
		return nil
	}
	return w.findings[r.ID]
}

func (w *welcome) SetSize(width, height int) { w.list.setSize(width, height-6) }

func (w *welcome) Problems() []string {
	var out []string
	if w.idErr != nil {
		out = append(out, "vpclink needs to reach AWS first (see above)")
	}
	if w.editing != "" {
		out = append(out, "press enter to use the new "+w.editing+", or esc to keep the current one")
	}
	if j := w.choice(); j != nil {
		if err := j.CheckPlan(); err != nil {
			out = append(out, "run "+j.RunID+" cannot be resumed: "+strings.ReplaceAll(err.Error(), "\n  -", ";"))
		}
	}
	if f := w.finding(); f != nil {
		if err := f.Finishable(); err != nil {
			out = append(out, "cannot finish it here: "+err.Error())
		}
	}
	if j := w.resume.j; j != nil {
		if j.State == steps.StateDestroying {
			out = append(out, "run "+j.RunID+" is half-destroyed: quit (ctrl+c) and run "+(&CLI{Flags: w.c.Flags}).command("destroy", j.RunID)+"; esc goes back")
		} else {
			out = append(out, "resume run "+j.RunID+"? press y to resume it, n or esc to go back")
		}
	}
	return out
}

func (w *welcome) Warnings() []string {
	var out []string
	for _, je := range w.skipped {
		if je.Version > steps.JournalVersion {
			out = append(out, je.RunID+" not listed: written by a newer vpclink; upgrade to resume it")
			continue
		}
		out = append(out, je.RunID+" not listed: damaged journal (see vpclink status "+je.RunID+")")
	}
	return out
}

// choice returns the run chosen, or nil for a new setup.
func (w *welcome) choice() *steps.Journal {
	r, ok := w.list.current()
	if !ok {
		return nil
	}
	return w.runs[r.ID]
}

func (w *welcome) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if w.editing == "" && w.resume.j == nil {
		cmd, handled, changed := w.scan.update(w.c, msg)
		if changed {
			w.showRuns()
		}
		if handled {
			return w, cmd
		}
		if cmd != nil {
			c2, _ := w.list.update(msg)
			return w, tea.Batch(cmd, c2)
		}
	}
	switch msg := msg.(type) {
	case identityMsg:
		if msg.req == w.idReq {
			w.id, w.idErr = msg.id, msg.err
			w.showRuns()
		}
		return w, nil
	case runsMsg:
		w.journals, w.journalErr, w.loaded, w.skipped = msg.runs, msg.err, true, msg.skipped
		w.showRuns()
		return w, nil
	case runClaimedMsg:
		return w, w.confirm(msg.j, msg.runner)
	case runCheckedMsg:
		if msg.req == w.resume.req {
			w.resume.checked, w.resume.found = true, msg.found
		}
		return w, nil
	case tea.KeyMsg:
		if w.editing != "" {
			return w, w.updateEditing(msg)
		}
		if j := w.resume.j; j != nil {
			switch msg.String() {
			case "y", "Y":
				if w.resume.checked && j.State != steps.StateDestroying {
					runner := w.resume.runner
					w.resume = resumeConfirm{}
					return w, cmdOf(resumeMsg{j, runner})
				}
			case "n", "N", "esc":
				if w.resume.runner != nil {
					_ = w.resume.runner.Close()
				}
				w.resume = resumeConfirm{}
			}
			return w, nil
		}
		switch {
		case key.Matches(msg, w.keys.Profile):
			return w, w.edit("profile", w.c.Profile)
		case key.Matches(msg, w.keys.Region):
			return w, w.edit("region", w.c.Account.Region)
		}
	}
	cmd, _ := w.list.update(msg)
	return w, cmd
}

// showRuns offers the unfinished runs of this account in this region, once both the runs and
// the account's id are known: a run belongs to the account it was made in, and another
// account's would be resumed where its resources are not. The others are counted.
func (w *welcome) showRuns() {
	rows := []pickerRow{{ID: newSetupID, Cells: []string{"New setup", "", ""}}}
	if w.idErr != nil {
		w.list.setRows(w.list.req, rows, nil)
		return
	}
	if !w.loaded || w.id.Account == "" {
		return
	}
	w.runs, w.elsewhere, w.foreign = map[string]*steps.Journal{}, map[string]int{}, 0
	for i := len(w.journals) - 1; i >= 0; i-- {
		j := w.journals[i]
		switch {
		case !j.State.Unfinished() && j.State != steps.StateDestroying:
			continue
		case !j.BelongsTo(w.id.Account):
			w.foreign++
			continue
		case j.Region != w.c.Account.Region:
			w.elsewhere[j.Region]++
			continue
		}
		w.runs[j.RunID] = j
		label, state := "Resume "+j.RunID, string(j.State)
		if j.State == steps.StateDestroying {
			label, state = "Finish destroying "+j.RunID, "half-destroyed"
		}
		rows = append(rows, pickerRow{ID: j.RunID, Cells: []string{label, state, j.StartedAt.Local().Format("2006-01-02 15:04")}})
	}
	w.findings = map[string]*steps.Finding{}
	for _, f := range w.scan.offered(w.journals) {
		row := findingRow(f)
		w.findings[row.ID] = &f
		rows = append(rows, row)
	}
	w.list.setRows(w.list.req, rows, w.journalErr)
}

func (w *welcome) edit(what, value string) tea.Cmd {
	w.editing, w.switchErr = what, nil
	w.input.SetValue(value)
	w.input.Prompt = what + ": "
	w.input.CursorEnd()
	return w.input.Focus()
}

// Capturing is true while a profile or region is being typed, or a resume awaits its y or n.
func (w *welcome) Capturing() bool { return w.editing != "" || w.resume.j != nil }

// updateEditing handles keys while a profile or region is typed: enter applies, esc cancels.
func (w *welcome) updateEditing(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		return w.submitEdit()
	case "esc":
		w.editing = ""
		w.input.Blur()
		return nil
	}
	var cmd tea.Cmd
	w.input, cmd = w.input.Update(msg)
	return cmd
}

// submitEdit applies the profile or region being edited.
func (w *welcome) submitEdit() tea.Cmd {
	what, value := w.editing, strings.TrimSpace(w.input.Value())
	if what == "region" {
		// A mistyped region would fail only at the first AWS call, with a network error.
		if w.switchErr = checkRegion(value); w.switchErr != nil {
			return nil
		}
	}
	w.editing = ""
	w.input.Blur()
	profile, region := w.c.Profile, w.c.Account.Region
	if what == "profile" {
		profile = value
	} else {
		region = value
	}
	open := w.c.open
	return func() tea.Msg {
		acct, err := open(profile, region)
		if err != nil {
			return errMsg{err}
		}
		return accountMsg{acct, profile}
	}
}

func (w *welcome) View() string {
	s := w.c.Styles
	var b strings.Builder
	who := "checking…"
	switch {
	case w.idErr != nil:
		who = s.Error.Render("✘ cannot reach AWS")
	case w.id.ARN != "":
		who = w.id.ARN
	}
	where := w.c.Account.Region
	if w.c.Demo {
		where += s.Subtle.Render("  (demo account: nothing here touches AWS)")
	}
	profile := w.c.Profile
	if profile == "" {
		profile = "default credential chain"
	}
	field := func(label, value string) { b.WriteString(w.c.field(label, value)) }
	field("Identity", who)
	field("Account", w.id.Account)
	field("Region", where)
	if !w.c.Demo {
		field("Profile", profile)
	}
	if w.idErr != nil {
		b.WriteString("\n" + w.c.para(w.idErr.Error()) + "\n")
		if fix := steps.Recommend(w.idErr); fix != "" {
			b.WriteString(w.c.para("Try: "+fix) + "\n")
		}
	}
	if w.editing != "" {
		b.WriteString("\n" + w.input.View() + "\n")
		if w.switchErr != nil {
			b.WriteString(s.Error.Render(wrapText("✘ "+w.switchErr.Error(), w.c.Width, "  ")) + "\n")
		}
	}
	if len(w.elsewhere) > 0 {
		var parts []string
		for _, r := range slices.Sorted(maps.Keys(w.elsewhere)) {
			parts = append(parts, fmt.Sprintf("%d in %s", w.elsewhere[r], r))
		}
		b.WriteString(s.Subtle.Render(w.c.para("Unfinished runs in other regions: "+strings.Join(parts, ", ")+" (ctrl+g switches region).")) + "\n")
	}
	if w.foreign > 0 {
		b.WriteString(s.Subtle.Render(w.c.para(fmt.Sprintf("%d unfinished run(s) of other accounts are hidden (vpclink status lists every run).", w.foreign))) + "\n")
	}
	b.WriteString(w.scan.view(w.c))
	if j := w.resume.j; j != nil {
		b.WriteString("\n" + w.resumeView(j))
		return b.String()
	}
	b.WriteString("\n" + w.list.view())
	return b.String()
}

// resumeView shows what the chosen run holds and what resuming it builds, as the
// command line does before it asks.
func (w *welcome) resumeView(j *steps.Journal) string {
	if j.State == steps.StateDestroying {
		return w.c.para(fmt.Sprintf("Run %s is half-destroyed: a destroy of it began and did not finish, so it cannot be resumed. Finish the destroy from a shell:", j.RunID)) +
			"\n\n  " + (&CLI{Flags: w.c.Flags}).command("destroy", j.RunID)
	}
	if !w.resume.checked {
		return fmt.Sprintf("Checking what run %s holds…", j.RunID)
	}
	var b strings.Builder
	ShowResume(&b, j, w.resume.found)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		lines = append(lines, w.c.para(l))
	}
	return strings.Join(lines, "\n") + "\n\nResume this run? (y/N)"
}

func (w *welcome) ShortHelp() []key.Binding {
	return bindings([]key.Binding{w.list.keys.Up, w.keys.Profile, w.keys.Region, w.scan.retry})
}
func (w *welcome) FullHelp() [][]key.Binding { return [][]key.Binding{w.ShortHelp()} }
