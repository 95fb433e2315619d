package ui

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// stage is where the wizard is.
type stage int

const (
	stageWelcome stage = iota
	stageVPC
	stageSubnets
	stageLoadBalancer
	stageTargets
	stageSecurityGroups
	stageVPCLink
	stageAPI
	stageStage
	stageReview
	stageBuild
	stageDone
)

var stageNames = []string{"welcome", "vpc", "subnets", "load-balancer", "targets", "security-groups", "vpc-link", "api", "stage", "review", "build", "done"}

// String names the stage.
func (s stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// setupStages are the stages with a step number in the header.
const setupStages = int(stageReview) + 1

// WizardOptions is what the wizard needs to run.
type WizardOptions struct {
	Account *awsops.Account
	Store   *steps.Store
	Demo    bool
	Profile string
	Flags   string
	// Open connects to another profile or region, for the welcome screen.
	Open func(profile, region string) (*awsops.Account, error)
}

// Wizard is the root model: a state machine over the screens.
type Wizard struct {
	c        *Common
	stage    stage
	screens  map[stage]Screen
	help     help.Model
	showHelp bool
	err      error
	cancel   context.CancelFunc
	journal  *steps.Journal
	// tried is set when the user pressed enter on a screen with problems: they show from
	// then on, not on arrival.
	tried bool
	// quitAsk is set by ctrl+c before the build: the footer asks whether to quit, and
	// offers to save the answers as a plan first.
	quitAsk bool
	// aborted is set when the user quit before any run started (exit 130); savedOnQuit is
	// the plan file the answers went to, if the user asked for one.
	aborted     bool
	savedOnQuit string
}

// quitSavedMsg says where the answers went when the user saved them on quitting.
type quitSavedMsg struct {
	path string
	err  error
}

// NewWizard builds the wizard on an account.
func NewWizard(ctx context.Context, o WizardOptions, r *lipgloss.Renderer) *Wizard {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Common{Width: 80, Height: 24, Styles: NewStyles(r), Keys: defaultGlobalKeys(), Ctx: ctx, Account: o.Account,
		Store: o.Store, Demo: o.Demo, Profile: o.Profile, Flags: o.Flags, Data: newCache(), Draft: newDraft(), open: o.Open}
	w := &Wizard{c: c, help: help.New(), cancel: cancel}
	w.reset()
	return w
}

// reset builds fresh setup screens, for a new account or a new setup.
func (w *Wizard) reset() {
	c := w.c
	w.screens = map[stage]Screen{
		stageWelcome: newWelcome(c), stageVPC: newVPCPicker(c), stageSubnets: newSubnetPicker(c),
		stageLoadBalancer: newLBScreen(c), stageTargets: newTargetPicker(c), stageSecurityGroups: newSGScreen(c),
		stageVPCLink: newLinkScreen(c), stageAPI: newAPIScreen(c), stageStage: newStageScreen(c), stageReview: newReview(c),
	}
	for _, s := range w.screens {
		s.SetSize(c.Width, w.bodyHeight())
	}
}

// openSetup starts the setup screens afresh on draft d, keeping Welcome as it is. The
// screens of what d adopts show it and take no input.
func (w *Wizard) openSetup(d *draft) {
	welcome := w.screens[stageWelcome]
	w.c.Draft = d
	w.reset()
	w.screens[stageWelcome] = welcome
	for s, scr := range adoptedScreens(w.c) {
		scr.SetSize(w.c.Width, w.bodyHeight())
		w.screens[s] = scr
	}
}

// newScreenCtx ends the loads of the screen being left and starts a context for the next.
func (w *Wizard) newScreenCtx() {
	if w.c.cancelScreen != nil {
		w.c.cancelScreen()
	}
	w.c.ScreenCtx, w.c.cancelScreen = context.WithCancel(w.c.Ctx)
}

// Init opens the welcome screen.
func (w *Wizard) Init() tea.Cmd {
	w.newScreenCtx()
	return w.screens[stageWelcome].Enter()
}

func (w *Wizard) active() Screen { return w.screens[w.stage] }

func (w *Wizard) bodyHeight() int { return max(w.c.Height-6, 5) }

// skipped reports whether a stage does not apply: reusing an NLB keeps its targets and rules.
func (w *Wizard) skipped(s stage) bool {
	if (s != stageTargets && s != stageSecurityGroups) || w.c.Draft.lb == nil {
		return false
	}
	// A finish of a chain with no targets asks for them; one whose groups were never opened
	// shows the rules it adds.
	if ad := w.c.Draft.adopted; ad != nil && (ad.finding.NeedsTargets() || (s == stageSecurityGroups && ad.finding.OpensGroups())) {
		return false
	}
	return true
}

func (w *Wizard) goTo(s stage) tea.Cmd {
	log.Printf("wizard: %s → %s", w.stage, s)
	w.stage, w.err, w.showHelp, w.tried = s, nil, false, false
	w.newScreenCtx()
	scr := w.active()
	scr.SetSize(w.c.Width, w.bodyHeight())
	return scr.Enter()
}

// Update handles, in order: global keys, window size, errors, screen changes; everything
// else goes to the active screen.
func (w *Wizard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		if cmd, handled := w.globalKey(km); handled {
			return w, cmd
		}
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w.c.Width, w.c.Height = msg.Width, msg.Height
		w.help.Width = msg.Width
		for _, s := range w.screens {
			s.SetSize(msg.Width, w.bodyHeight())
		}
		return w, nil
	case quitSavedMsg:
		if msg.err != nil {
			w.err = msg.err
			w.quitAsk = false
			return w, nil
		}
		w.savedOnQuit, w.aborted = msg.path, true
		w.cancel()
		return w, tea.Quit
	case errMsg:
		log.Printf("wizard: error on %s: %v", w.stage, msg.err)
		w.err = msg.err
		return w, nil
	case nextScreenMsg:
		return w, w.next()
	case prevScreenMsg:
		return w, w.prev()
	case accountMsg:
		w.c.Account, w.c.Profile = msg.account, msg.profile
		w.c.Data, w.c.Draft = newCache(), newDraft()
		w.reset()
		return w, w.goTo(stageWelcome)
	case resumeMsg:
		w.journal = msg.journal
		w.screens[stageBuild] = newBuild(w.c, msg.journal, true).with(msg.runner)
		return w, w.goTo(stageBuild)
	case findingOpenedMsg:
		if w.stage != stageWelcome {
			return w, nil // the user moved on before the finding was read
		}
		w.openSetup(msg.draft)
		return w, w.goTo(stageVPC)
	case startBuildMsg:
		w.journal = msg.journal
		w.screens[stageBuild] = newBuild(w.c, msg.journal, false).with(msg.runner)
		return w, w.goTo(stageBuild)
	case doneMsg:
		w.journal = msg.journal
		w.screens[stageDone] = newDone(w.c, msg.journal)
		return w, w.goTo(stageDone)
	case runClaimedMsg:
		w.err = nil // a refusal of an earlier try no longer holds; Welcome asks about the run
	case vpcsMsg:
		if msg.err == nil {
			w.c.Data.vpcs, w.c.Data.subnets = msg.vpcs, msg.subnets
		}
	case vpcDataMsg:
		delete(w.c.Data.loading, msg.vpcID)
		if msg.err == nil {
			w.c.Data.byVPC[msg.vpcID] = msg.data
		}
	case gatewayMsg:
		if msg.err == nil {
			w.c.Data.links, w.c.Data.apis, w.c.Data.gateway = msg.links, msg.apis, true
		}
	}
	m, cmd := w.active().Update(msg)
	w.screens[w.stage] = m.(Screen)
	return w, cmd
}

// globalKey handles enter, esc, ? and ctrl+c; it reports whether the key was used.
func (w *Wizard) globalKey(km tea.KeyMsg) (tea.Cmd, bool) {
	keys := w.c.Keys
	if key.Matches(km, keys.Abort) {
		if b, ok := w.active().(*build); ok {
			return b.interrupt(), true
		}
		if w.stage > stageWelcome && w.stage < stageBuild && !w.quitAsk {
			// Answers were given: ask before they are lost, and offer to keep them.
			w.quitAsk = true
			return nil, true
		}
		w.aborted = w.stage < stageBuild
		w.cancel()
		return tea.Quit, true
	}
	if w.quitAsk {
		switch km.String() {
		case "y":
			w.aborted = true
			w.cancel()
			return tea.Quit, true
		case "s":
			path, plan := w.draftPlanPath(), w.c.Draft.plan
			return func() tea.Msg {
				saved, err := writePlan(path, &plan)
				return quitSavedMsg{saved, err}
			}, true
		case "n", "esc":
			w.quitAsk = false
			return nil, true
		}
		return nil, true // the question waits for its answer
	}
	if c, ok := w.active().(capturer); ok && c.Capturing() {
		return nil, false
	}
	if t, ok := w.active().(typer); ok && t.Typing() && km.Type == tea.KeyRunes && w.stage < stageBuild {
		return nil, false // a focused input owns its keys
	}
	switch {
	case key.Matches(km, keys.Help):
		w.showHelp = !w.showHelp
		return nil, true
	case w.stage >= stageBuild:
		return nil, false // build and done have their own keys
	case key.Matches(km, keys.Next):
		if w.stage == stageWelcome && len(w.active().Problems()) == 0 {
			wel := w.screens[stageWelcome].(*welcome)
			if j := wel.choice(); j != nil {
				return claimRunCmd(w.c.ScreenCtx, w.c.Account, w.c.Store, j.RunID), true
			}
			if f := wel.finding(); f != nil {
				return openFindingCmd(w.c.ScreenCtx, w.c.Account, *f), true
			}
			if w.c.Draft.adopted != nil {
				w.openSetup(newDraft()) // a new setup after a look at a finding starts afresh
			}
		}
		return w.next(), true
	case key.Matches(km, keys.Back):
		if e, ok := w.active().(escaper); ok && e.Escape() {
			return nil, true
		}
		return w.prev(), true
	}
	return nil, false
}

// leaver is a screen with work to start when the user moves on from it.
type leaver interface{ Leave() tea.Cmd }

func (w *Wizard) next() tea.Cmd {
	scr := w.active()
	if len(scr.Problems()) > 0 {
		w.tried = true
		return nil // the footer shows why
	}
	var leave tea.Cmd
	if l, ok := scr.(leaver); ok {
		leave = l.Leave()
	}
	if w.stage == stageReview {
		return leave // the run starts when its journal exists
	}
	s := w.stage + 1
	for w.skipped(s) {
		s++
	}
	return tea.Batch(leave, w.goTo(s))
}

func (w *Wizard) prev() tea.Cmd {
	switch {
	case w.stage == stageWelcome:
		return nil
	case w.stage == stageBuild:
		// Only after a rollback: the setup can be changed and tried again.
		w.journal = nil
		return w.goTo(stageReview)
	}
	s := w.stage - 1
	for w.skipped(s) {
		s--
	}
	return w.goTo(s)
}

// View draws the header, the active screen and the footer.
func (w *Wizard) View() string {
	st := w.c.Styles
	scr := w.active()
	if scr == nil {
		return "unknown stage " + w.stage.String() + ": this is a bug"
	}
	var b strings.Builder
	header := st.Title.Render("vpclink · " + scr.Title())
	if int(w.stage) < setupStages {
		header += st.Subtle.Render(fmt.Sprintf("  step %d of %d", int(w.stage)+1, setupStages))
	}
	if w.c.Demo {
		header += st.Subtle.Render("  [demo account]")
	}
	// The line under the header names the screens that a choice made unneeded.
	b.WriteString(ansi.Truncate(header, max(w.c.Width, 20), "…") + "\n")
	if note := w.skippedNote(); note != "" {
		b.WriteString(st.Subtle.Render(ansi.Truncate(note, max(w.c.Width, 20), "…")))
	}
	b.WriteString("\n")
	// The footer (help, why, warnings) is drawn whole; the body gets the lines that remain.
	footer := w.footer(scr)
	room := max(w.c.Height-2-strings.Count(footer, "\n")-1, 3)
	lines := strings.Split(strings.TrimRight(scr.View(), "\n"), "\n")
	if len(lines) > room {
		if w.stage == stageBuild {
			// A failure's question is at the end: the summary of the steps above gives way.
			lines = lines[len(lines)-room:]
		} else {
			lines = lines[:room]
		}
	}
	b.WriteString(strings.Join(lines, "\n") + "\n")
	b.WriteString(footer)
	return b.String()
}

func (w *Wizard) footer(scr Screen) string {
	st := w.c.Styles
	var b strings.Builder
	if w.err != nil {
		b.WriteString("\n" + st.Error.Render(wrapText("✘ "+w.err.Error(), w.c.Width, "  ")))
		if fix := steps.Recommend(w.err); fix != "" {
			b.WriteString("\n" + wrapText("  Try: "+fix, w.c.Width, "  "))
		}
	}
	if w.quitAsk {
		b.WriteString("\n" + st.Warning.Render(wrapText("Quit without building? y quits, s saves your answers as a plan first, n goes on", w.c.Width, "  ")))
		return b.String()
	}
	if w.showHelp {
		if warnings := scr.Warnings(); len(warnings) > 2 {
			for _, warn := range warnings {
				b.WriteString("\n" + st.Warning.Render(wrapText("! "+warn, w.c.Width, "  ")))
			}
		}
		b.WriteString("\n" + st.Why.Width(w.c.Width).Render(scr.Why()) + "\n")
		b.WriteString(w.help.FullHelpView(append(scr.FullHelp(), w.globalHelp())))
		return b.String()
	}
	for i, warn := range scr.Warnings() {
		if i == 2 {
			b.WriteString("\n" + st.Warning.Render(fmt.Sprintf("! and %d more warnings (? lists them all)", len(scr.Warnings())-2)))
			break
		}
		b.WriteString("\n" + st.Warning.Render(wrapText("! "+warn, w.c.Width, "  ")))
	}
	if w.stage < stageBuild && w.tried {
		if problems := scr.Problems(); len(problems) > 0 {
			b.WriteString("\n" + st.Error.Render(wrapText("✘ "+problems[0], w.c.Width, "  ")))
			return b.String()
		}
	}
	// The help is wrapped between keys rather than cut with "…" at the width.
	short := w.help
	short.Width = 0
	b.WriteString("\n" + wrapHelp(short.ShortHelpView(append(scr.ShortHelp(), w.globalHelp()...)), w.c.Width))
	return b.String()
}

// skippedNote names the setup screens that are skipped, and why, for the step counter.
func (w *Wizard) skippedNote() string {
	if int(w.stage) >= setupStages || w.stage == stageWelcome || !w.skipped(stageTargets) {
		return ""
	}
	if w.c.Draft.adopted != nil {
		if !w.skipped(stageSecurityGroups) {
			return "Targets skipped: adopted load balancer"
		}
		return "Targets and Security groups skipped: adopted load balancer"
	}
	return "Targets and Security groups skipped: reused load balancer"
}

// globalHelp lists the global keys that apply here; back is off on the first screen, next
// while the screen has problems.
func (w *Wizard) globalHelp() []key.Binding {
	k := w.c.Keys
	if w.stage >= stageBuild {
		return []key.Binding{k.Help}
	}
	k.Back.SetEnabled(w.stage != stageWelcome)
	k.Next.SetEnabled(len(w.active().Problems()) == 0)
	if t, ok := w.active().(typer); ok && t.Typing() {
		k.Help.SetHelp("f1", "help & why") // ? goes into the field
	}
	if w.stage == stageReview {
		k.Next.SetHelp("enter", "create")
	}
	return bindings([]key.Binding{k.Next, k.Back, k.Help})
}

// Journal is the run the wizard built or resumed, if any.
func (w *Wizard) Journal() *steps.Journal { return w.journal }

// RunWizard runs the wizard in the terminal, then prints what was built (or kept) to out.
func RunWizard(ctx context.Context, o WizardOptions) int {
	// Nothing may print to the terminal while the wizard runs: DEBUG=1 logs to a file instead.
	log.SetOutput(io.Discard)
	if os.Getenv("DEBUG") != "" {
		path := filepath.Join(o.Store.Dir, "debug.log")
		if err := os.MkdirAll(o.Store.Dir, 0o700); err == nil {
			if f, err := tea.LogToFile(path, "vpclink"); err == nil {
				defer f.Close()
				fmt.Fprintf(os.Stderr, "Logging to %s\n", path)
			}
		}
	}
	r := newRenderer(os.Stderr)
	w := NewWizard(ctx, o, r)
	p := tea.NewProgram(w, tea.WithOutput(os.Stderr), tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler())
	// SIGINT and SIGTERM are handled as ctrl+c is: a build stops and asks what to keep.
	stop := forwardSignals(p)
	defer stop()
	final, err := p.Run()
	if err != nil && final == nil {
		Fail(os.Stderr, "run the wizard", err)
		return ExitFailed
	}
	return w.finish(os.Stdout, os.Stderr, final.(*Wizard))
}

// forwardSignals sends each SIGINT or SIGTERM to the program as a ctrl+c key, until stop.
func forwardSignals(p *tea.Program) (stop func()) {
	sigs := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case <-sigs:
				go p.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// finish prints the outcome after the terminal is restored: the summary of a complete run,
// or what a kept run holds and how to resume or destroy it.
func (w *Wizard) finish(out, errOut io.Writer, final *Wizard) int {
	final.cancel()
	if b, ok := final.screens[stageBuild].(*build); ok {
		b.release()
	}
	j := final.journal
	if j == nil {
		if f := final.savedOnQuit; f != "" {
			if len(final.c.Draft.plan.Validate()) == 0 {
				fmt.Fprintf(errOut, "Your answers are saved in %s; `vpclink apply -f %s` builds them.\n", f, f)
			} else {
				fmt.Fprintf(errOut, "Your answers so far are saved in %s; fill in the rest (`vpclink apply --dry-run -f %s` says what is missing), then `vpclink apply -f %s`.\n", f, f, f)
			}
		}
		if final.aborted {
			return ExitInterrupted
		}
		return ExitOK
	}
	cli := &CLI{Out: out, Err: errOut, Flags: w.c.Flags}
	switch {
	case j.State == steps.StateComplete:
		cli.printSummary(j)
		return ExitOK
	case j.State == steps.StateRolledBack:
		fmt.Fprintf(errOut, "Run %s was rolled back: nothing of it remains.\n", j.RunID)
		return ExitFailed
	case j.State.Unfinished():
		cli.kept(j)
		if j.State == steps.StateInterrupted {
			return ExitInterrupted
		}
		return ExitFailed
	}
	return ExitOK
}

// draftPlanPath is where ctrl+c's "save your answers" writes the plan: next to the plans of
// the runs, named after the setup.
func (w *Wizard) draftPlanPath() string {
	name := cmp.Or(w.c.Draft.plan.Name, "setup")
	return filepath.Join(w.c.Store.Dir, "plans", name+"-draft.yaml")
}
