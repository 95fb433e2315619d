package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vpclink/vpclink/steps"
)

// review shows everything that will be created or reused, with the tags and the equivalent
// AWS CLI commands; the plan can be saved for `vpclink apply -f`.
type review struct {
	c       *Common
	keys    reviewKeys
	form    *form
	tags    *boundText
	res     *steps.Resolution
	resErr  error
	checks  steps.Checks
	req     int
	body    viewport.Model
	saving  bool
	path    textinput.Model
	saved   string
	saveErr error
	// savedPlan is the plan as it was saved: once an answer changes, the file no longer
	// holds the plan, and "Saved" is not said of it.
	savedPlan []byte
	// built is the complete run that already built this plan; newCopy is the user's
	// answer that a second copy is wanted.
	built    *steps.Journal
	builtReq int
	newCopy  bool
	// starting is set from the first enter until the run exists: a second enter starts nothing.
	starting bool
}

type reviewKeys struct {
	Save    key.Binding
	Scroll  key.Binding
	NewCopy key.Binding
}

// builtMsg names the complete run that already built the plan under review, if any.
type builtMsg struct {
	req int
	run *steps.Journal
}

// planSavedMsg says where the plan file was written, or why it was not.
type planSavedMsg struct {
	path string
	err  error
}

// startFailedMsg says the run could not be started; enter may try again.
type startFailedMsg struct{ err error }

// resolvedMsg is the plan checked against the account, with the preflight's results.
type resolvedMsg struct {
	req    int
	res    *steps.Resolution
	checks steps.Checks
	err    error
}

func newReview(c *Common) *review {
	r := &review{c: c, keys: reviewKeys{
		Save:   key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save plan")),
		Scroll: key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "scroll")),
		NewCopy: key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "build a second copy"),
			key.WithDisabled()),
	}}
	p := &c.Draft.plan
	r.tags = tagsText(&p.Tags)
	name := func() error { return planCheck(p, "name") }
	tags := r.tags.checkThen("Tags", p, "tags")
	r.form = newForm(c, func() []formField {
		return []formField{
			{label: "Name", field: textInput(&p.Name, ignore(name)), check: name,
				hint: "names the NLB, target group, VPC link and API (1-20 lower-case letters, digits, -)"},
			{label: "Tags", field: numInput(r.tags, ignore(tags)), check: tags,
				hint: "key=value, comma-separated; every resource also gets vpclink:run"},
		}
	})
	r.path = newInput()
	r.path.Prompt = "Save plan to: "
	r.body = viewport.New(80, 10)
	return r
}

var tagRe = regexp.MustCompile(`^\s*([^=,]+?)\s*=\s*([^,]*?)\s*$`)

func parseTags(s string) (map[string]string, error) {
	tags := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		m := tagRe.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("%q is not key=value", strings.TrimSpace(part))
		}
		tags[m[1]] = m[2]
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

// suggestName derives a name from the first target, e.g. orders-api-1 → orders-api.
func suggestName(d *draft) string {
	base := "api"
	if len(d.instances) > 0 && d.instances[0].Name != "" {
		base = d.instances[0].Name
	} else if d.lb != nil {
		base = d.lb.Name
	}
	base = strings.ToLower(regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(base), "-"))
	base = strings.TrimRight(regexp.MustCompile(`-?\d+$`).ReplaceAllString(base, ""), "-")
	if len(base) > steps.MaxNameLength {
		base = strings.TrimRight(base[:steps.MaxNameLength], "-")
	}
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "api"
	}
	return base
}

func (r *review) Title() string { return "Review" }
func (r *review) Why() string {
	return "Nothing has been created yet. Below is every resource that will be created or reused, and the AWS " +
		"CLI commands that would do the same by hand. Each resource is tagged with the run's id, recorded in a " +
		"journal the moment it exists, and removed in reverse order if you roll back. Save the plan to run it " +
		"again later without the wizard: vpclink apply -f PLAN."
}
func (r *review) Init() tea.Cmd { return nil }

func (r *review) Enter() tea.Cmd {
	r.starting = false
	if r.c.Draft.plan.Name == "" {
		r.c.Draft.plan.Name = suggestName(r.c.Draft)
	}
	r.refresh()
	return tea.Batch(r.form.rebuild(), r.resolve(), r.checkBuilt())
}

// checkBuilt asks whether a complete run already built the plan as it now stands.
func (r *review) checkBuilt() tea.Cmd {
	r.builtReq, r.built, r.newCopy = r.c.NextReq(), nil, false
	r.keys.NewCopy.SetEnabled(false)
	store, acct, ctx, req, p := r.c.Store, r.c.Account, r.c.ScreenCtx, r.builtReq, r.c.Draft.plan
	if store == nil || acct == nil {
		return nil
	}
	return func() tea.Msg {
		j, err := store.BuiltBy(&p, acct.Region, func() (string, error) {
			id, err := acct.Identity(ctx)
			return id.Account, err
		})
		if err != nil {
			return builtMsg{req: req}
		}
		return builtMsg{req, j}
	}
}

func (r *review) resolve() tea.Cmd {
	r.req, r.res, r.resErr, r.checks = r.c.NextReq(), nil, nil, nil
	p := r.c.Draft.plan
	ctx, acct, req := r.c.ScreenCtx, r.c.Account, r.req
	return func() tea.Msg {
		res, err := steps.Resolve(ctx, acct, &p)
		if err != nil {
			return resolvedMsg{req: req, err: err}
		}
		checks, err := steps.Preflight(ctx, acct, &p, res, nil)
		return resolvedMsg{req, res, checks, err}
	}
}

// Typing reports whether a text field has focus.
func (r *review) Typing() bool { return r.form.Typing() }

func (r *review) SetSize(w, h int) {
	r.form.setWidth(w)
	r.body.Width = w
	r.body.Height = max(h-5, 4)
	r.refresh()
}

func (r *review) Capturing() bool { return r.saving }

func (r *review) Problems() []string {
	out := r.form.Problems()
	var pe *steps.PlanError
	switch {
	case len(out) > 0:
	case r.resErr != nil && errors.As(r.resErr, &pe):
		for _, f := range pe.Errors {
			out = append(out, f.Error())
		}
	case r.resErr != nil:
		out = append(out, "cannot check the plan: "+r.resErr.Error())
	case r.res == nil:
		out = append(out, "checking the plan against the account…")
	case r.built != nil && !r.newCopy:
		// The action first: the footer cuts what does not fit.
		out = append(out, fmt.Sprintf("run %s built this plan already: ctrl+n builds a second copy (or change the name); its URL: %s",
			r.built.RunID, r.built.InvokeURL()))
	}
	if len(out) == 0 {
		// A failed preflight check blocks the run; its fix is in the list below.
		for _, c := range r.checks.Failed() {
			out = append(out, c.Name+": "+c.Message)
		}
	}
	return out
}

func (r *review) Warnings() []string {
	if r.res == nil {
		return nil
	}
	var out []string
	for _, c := range r.checks {
		if c.Status == steps.CheckWarn {
			out = append(out, c.Message)
		}
	}
	return out
}

// Leave starts the run: the journal is created and saved before anything else happens. It
// starts one run however often enter is pressed while the first is being created.
func (r *review) Leave() tea.Cmd {
	if r.starting {
		return nil
	}
	r.starting = true
	c, res := r.c, r.res
	p := c.Draft.plan
	planFile := r.savedFile()
	finding := ""
	if c.Draft.adopted != nil {
		finding = c.Draft.adopted.finding.ID
	}
	return func() tea.Msg {
		runner := &steps.Runner{Account: c.Account, Store: c.Store}
		j, err := runner.NewJournal(&p, res, planFile, c.Demo)
		if err == nil && finding != "" {
			// The run finishes a finding: its journal says which, as `vpclink finish` does.
			j.Finding = finding
			err = c.Store.Save(j)
		}
		if err != nil {
			_ = runner.Close()
			return startFailedMsg{err}
		}
		if j.PlanFile == "" {
			// Keep the answers beside the journal, so the run can be repeated with apply -f.
			if path, err := writePlan(filepath.Join(c.Store.Dir, "plans", j.RunID+".yaml"), &p); err == nil {
				j.PlanFile = path
				_ = c.Store.Save(j)
			}
		}
		return startBuildMsg{j, runner}
	}
}

func writePlan(path string, p *steps.Plan) (string, error) {
	b, err := p.Marshal()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("save plan: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", fmt.Errorf("save plan: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path, nil
	}
	return abs, nil
}

func (r *review) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case startFailedMsg:
		r.starting = false
		return r, cmdOf(errMsg{msg.err})
	case planSavedMsg:
		r.saved, r.saveErr = msg.path, msg.err
		r.savedPlan, _ = r.c.Draft.plan.Marshal()
		return r, nil
	case builtMsg:
		if msg.req == r.builtReq {
			r.built = msg.run
			r.keys.NewCopy.SetEnabled(msg.run != nil)
		}
		return r, nil
	case resolvedMsg:
		if msg.req == r.req {
			r.res, r.resErr, r.checks = msg.res, msg.err, msg.checks
			r.refresh()
		}
		return r, nil
	case tea.KeyMsg:
		if r.saving {
			switch msg.String() {
			case "enter":
				r.saving = false
				path, plan := strings.TrimSpace(r.path.Value()), r.c.Draft.plan
				return r, func() tea.Msg {
					saved, err := writePlan(path, &plan)
					return planSavedMsg{saved, err}
				}
			case "esc":
				r.saving = false
				return r, nil
			}
			var cmd tea.Cmd
			r.path, cmd = r.path.Update(msg)
			return r, cmd
		}
		switch {
		case key.Matches(msg, r.keys.Save):
			r.saving = true
			r.path.SetValue(r.c.Draft.plan.Name + ".yaml")
			r.path.CursorEnd()
			return r, r.path.Focus()
		case key.Matches(msg, r.keys.NewCopy):
			r.newCopy = true
			r.keys.NewCopy.SetEnabled(false)
			return r, nil
		case key.Matches(msg, r.keys.Scroll):
			var cmd tea.Cmd
			r.body, cmd = r.body.Update(msg)
			return r, cmd
		}
	}
	// The name and tags do not change what the plan resolves to: no need to ask AWS again.
	p := &r.c.Draft.plan
	before := p.Name + "\x00" + r.tags.Get()
	cmd := r.form.update(msg)
	if p.Name+"\x00"+r.tags.Get() != before {
		r.refresh()
		return r, tea.Batch(cmd, r.checkBuilt())
	}
	return r, cmd
}

func (r *review) refresh() {
	var b bytes.Buffer
	d := r.c.Draft
	if r.res != nil {
		if len(r.checks.Failed()) > 0 {
			// What stops the run comes first, with its fix, above the plan.
			writeChecksBrief(&b, r.checks)
			b.WriteString("\n")
		}
		if d.adopted != nil {
			describeFinish(&b, d, r.res, r.c.Account.Region)
		} else {
			Describe(&b, &d.plan, r.res, r.c.Account.Region)
		}
		if len(r.checks) > 0 && len(r.checks.Failed()) == 0 {
			b.WriteString("\n")
			writeChecksBrief(&b, r.checks)
		}
	} else {
		b.WriteString("Checking the plan against the account…\n")
	}
	fmt.Fprintf(&b, "\nThe same by hand (AWS CLI):\n")
	for _, c := range steps.AWSCLI(&d.plan, r.res, r.c.Account.Region) {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	r.body.SetContent(wrap(b.String(), r.body.Width))
}

// writeChecksBrief lists the preflight's warnings and failures with their fixes, and the
// checks that passed on one line: the screen has room for what needs the user.
func writeChecksBrief(w io.Writer, checks steps.Checks) {
	var passed []string
	var rest steps.Checks
	for _, c := range checks {
		if c.Status == steps.CheckOK {
			if !slices.Contains(passed, c.Name) {
				passed = append(passed, c.Name)
			}
			continue
		}
		rest = append(rest, c)
	}
	WriteChecks(w, rest)
	if len(passed) > 0 {
		if len(rest) == 0 {
			fmt.Fprint(w, "Preflight: ")
		} else {
			fmt.Fprint(w, "  ")
		}
		fmt.Fprintf(w, "✔ passed: %s\n", strings.Join(passed, ", "))
	}
}

// wrap breaks long lines at the width, indenting continuations.
func wrap(s string, width int) string {
	if width <= 10 {
		return s
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for len([]rune(line)) > width {
			rs := []rune(line)
			cut := width
			if i := strings.LastIndex(string(rs[:width]), " "); i > width/2 {
				cut = len([]rune(string(rs[:width])[:i]))
			}
			out = append(out, string(rs[:cut]))
			line = "      " + strings.TrimLeft(string(rs[cut:]), " ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func (r *review) View() string {
	s := r.c.Styles
	v := r.form.view() + "\n"
	switch {
	case r.saving:
		v += r.path.View() + "\n"
	case r.saveErr != nil:
		v += s.Error.Render("✘ "+r.saveErr.Error()) + "\n"
	case r.savedFile() != "":
		v += s.Success.Render("✔ Saved "+r.saved) + s.Subtle.Render("  (vpclink apply -f "+r.saved+")") + "\n"
	default:
		v += "\n"
	}
	return v + r.body.View()
}

func (r *review) ShortHelp() []key.Binding {
	return bindings([]key.Binding{r.form.keys.Field, r.keys.Scroll, r.keys.Save, r.keys.NewCopy})
}
func (r *review) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }

// savedFile is the plan file ctrl+s wrote, while it still holds the plan as it is now.
func (r *review) savedFile() string {
	if r.saved == "" {
		return ""
	}
	if now, err := r.c.Draft.plan.Marshal(); err != nil || !bytes.Equal(now, r.savedPlan) {
		return ""
	}
	return r.saved
}
