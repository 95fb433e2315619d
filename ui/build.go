package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vpclink/vpclink/steps"
)

type buildPhase int

const (
	phaseRunning buildPhase = iota
	phaseStopping
	phaseFailed
	phaseRollingBack
	phaseRolledBack
	phaseComplete
	phaseKept
)

// Messages from the runner goroutine, read one at a time by waitForEventCmd. Each names its
// run: a build screen drops those of another run, which a reader armed for an earlier build
// may still deliver.
type (
	stepEventMsg struct{ e steps.Event }
	applyDoneMsg struct {
		runID string
		err   error
	}
	rollbackDoneMsg struct {
		runID string
		err   error
	}
)

// waitForEventCmd reads the next message the runner sent; each handler re-arms it.
func waitForEventCmd(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

type stepView struct {
	title    string
	status   steps.Status
	undone   bool
	stopped  bool // cancelled because another step failed, or by ctrl+c
	detail   string
	live     string
	started  time.Time
	finished time.Time
}

type buildKeys struct {
	Rollback key.Binding
	Keep     key.Binding
	Retry    key.Binding
	Back     key.Binding
	Quit     key.Binding
}

// build runs (or resumes) a run and shows each step live; on failure it offers to roll back,
// keep what exists, or retry.
type build struct {
	c      *Common
	j      *steps.Journal
	runner *steps.Runner
	ch     chan tea.Msg
	cancel context.CancelFunc
	// stopRollback ends a rollback under way; quitting is set when ctrl+c asked for it.
	stopRollback context.CancelFunc
	quitting     bool
	phase        buildPhase
	interrupted  bool
	resumed      bool
	order        []string
	views        map[string]*stepView
	log          []string
	err          error
	spinner      spinner.Model
	keys         buildKeys
	width        int
	height       int
	now          func() time.Time
}

func newBuild(c *Common, j *steps.Journal, resumed bool) *build {
	b := &build{c: c, j: j, resumed: resumed, views: map[string]*stepView{}, ch: make(chan tea.Msg, 256),
		spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), now: time.Now,
		keys: buildKeys{
			Rollback: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "roll back")),
			Keep:     key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "keep and exit")),
			Retry:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "retry")),
			Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to review")),
			Quit:     key.NewBinding(key.WithKeys("q", "enter"), key.WithHelp("q", "quit")),
		}}
	b.runner = &steps.Runner{Account: c.Account, Store: c.Store, Events: func(e steps.Event) { b.ch <- stepEventMsg{e} }}
	for _, s := range j.Steps {
		b.order = append(b.order, s.ID)
		b.views[s.ID] = &stepView{title: s.Title, status: s.Status, detail: s.Detail}
	}
	return b
}

// with makes the build use runner, which already holds the run; nil keeps the build's own.
func (b *build) with(runner *steps.Runner) *build {
	if runner != nil {
		runner.Events = b.runner.Events
		b.runner = runner
	}
	return b
}

// release gives the run up once the build is over, for a later vpclink to resume or destroy.
func (b *build) release() { _ = b.runner.Close() }

func (b *build) Title() string {
	if b.resumed {
		return "Build (resuming " + b.j.RunID + ")"
	}
	return "Build " + b.j.RunID
}
func (b *build) Why() string {
	return "Steps that do not depend on each other run at once: the REST API is built while the load balancer " +
		"provisions, which takes minutes, as does the VPC link. Every resource id is written to the journal " +
		"the moment AWS returns it, so if anything fails, or you press ctrl+c, you can roll back exactly what " +
		"was made, keep it and finish later with vpclink resume, or retry the failed step."
}
func (b *build) Init() tea.Cmd { return nil }

// Enter starts applying the run.
func (b *build) Enter() tea.Cmd { return b.start() }

func (b *build) start() tea.Cmd {
	ctx, cancel := context.WithCancel(b.c.Ctx)
	b.cancel, b.phase, b.err, b.interrupted = cancel, phaseRunning, nil, false
	for _, v := range b.views {
		if v.status != steps.Skipped {
			v.status, v.live, v.undone = steps.Pending, "", false
		}
	}
	j, runner, ch := b.j, b.runner, b.ch
	go func() {
		err := runner.Apply(ctx, j)
		ch <- applyDoneMsg{j.RunID, err}
	}()
	return tea.Batch(waitForEventCmd(b.ch), b.spinner.Tick)
}

func (b *build) rollback() tea.Cmd {
	b.phase = phaseRollingBack
	// The rollback gets its own context: the one that stopped the apply must not stop it.
	ctx, stop := context.WithCancel(context.WithoutCancel(b.c.Ctx))
	b.stopRollback = stop
	j, runner, ch := b.j, b.runner, b.ch
	go func() {
		ch <- rollbackDoneMsg{j.RunID, runner.Rollback(ctx, j, steps.StateRolledBack)}
	}()
	return tea.Batch(waitForEventCmd(b.ch), b.spinner.Tick)
}

// interrupt handles ctrl+c: it stops a running apply and then asks what to do; in any other
// phase it quits, keeping what exists.
func (b *build) interrupt() tea.Cmd {
	switch b.phase {
	case phaseRunning:
		b.interrupted = true
		b.phase = phaseStopping
		b.cancel()
		b.addLog("Stopping after the steps under way… (their resources are recorded)")
		return nil
	case phaseStopping:
		return nil
	case phaseRollingBack:
		// Stop the rollback and quit once it has returned, so the journal is whole.
		if !b.quitting {
			b.quitting = true
			b.stopRollback()
			b.addLog("Stopping the rollback; what remains stays in the journal…")
		}
		return nil
	}
	if b.phase != phaseComplete && b.phase != phaseRolledBack {
		b.phase = phaseKept
	}
	b.release()
	return tea.Quit
}

func (b *build) addLog(line string) {
	b.log = append(b.log, line)
	if len(b.log) > 200 {
		b.log = b.log[len(b.log)-200:]
	}
}

func (b *build) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case stepEventMsg:
		if msg.e.RunID != b.j.RunID {
			return b, nil // another run's, from a reader this screen did not arm
		}
		b.event(msg.e)
		return b, waitForEventCmd(b.ch)
	case applyDoneMsg:
		if msg.runID != b.j.RunID {
			return b, nil
		}
		b.cancel()
		if msg.err == nil {
			b.phase = phaseComplete
			b.release()
			return b, cmdOf(doneMsg{b.j})
		}
		b.err, b.phase = msg.err, phaseFailed
		return b, nil
	case rollbackDoneMsg:
		if msg.runID != b.j.RunID {
			return b, nil
		}
		b.stopRollback()
		if b.quitting {
			b.phase = phaseKept
			b.release()
			return b, tea.Quit
		}
		if msg.err != nil {
			b.err, b.phase = msg.err, phaseFailed
			return b, nil
		}
		b.phase, b.err = phaseRolledBack, nil
		b.release()
		b.addLog("✔ Rolled back: nothing of this run remains.")
		return b, nil
	case spinner.TickMsg:
		if b.phase == phaseRunning || b.phase == phaseStopping || b.phase == phaseRollingBack {
			var cmd tea.Cmd
			b.spinner, cmd = b.spinner.Update(msg)
			return b, cmd
		}
		return b, nil
	case tea.KeyMsg:
		switch b.phase {
		case phaseFailed:
			switch {
			case key.Matches(msg, b.keys.Rollback):
				return b, b.rollback()
			case key.Matches(msg, b.keys.Keep):
				b.phase = phaseKept
				b.release()
				return b, tea.Quit
			case key.Matches(msg, b.keys.Retry):
				b.addLog("Retrying from the failed step…")
				return b, b.start()
			}
		case phaseRolledBack:
			switch {
			case key.Matches(msg, b.keys.Back):
				return b, cmdOf(prevScreenMsg{})
			case key.Matches(msg, b.keys.Quit):
				return b, tea.Quit
			}
		}
	}
	return b, nil
}

func (b *build) event(e steps.Event) {
	v := b.views[e.Step]
	if v == nil {
		return
	}
	switch e.Kind {
	case steps.StepStarted:
		v.status, v.started, v.live, v.undone, v.stopped = steps.Running, e.At, "", false, false
	case steps.StepAction:
		v.live = e.Text
		b.addLog("… " + e.Text)
	case steps.StepNote:
		v.detail, v.live = e.Text, ""
		b.addLog("✔ " + e.Text)
	case steps.StepStatus:
		v.live = e.Text
	case steps.StepDone:
		v.status, v.finished, v.live = steps.Done, e.At, ""
	case steps.StepFailed:
		v.status, v.finished, v.live = steps.Failed, e.At, ""
		b.addLog("✘ " + e.Title + ": " + e.Text)
	case steps.StepStopped:
		v.status, v.finished, v.live, v.stopped = steps.Failed, e.At, "", true
	case steps.UndoStarted:
		v.live = "undoing"
	case steps.UndoDone:
		v.undone, v.live = true, ""
	case steps.UndoFailed:
		v.live = ""
		b.addLog("✘ could not undo " + strings.ToLower(e.Title) + ": " + e.Text)
	}
}

func (b *build) SetSize(w, h int) { b.width, b.height = w, h }
func (b *build) Problems() []string {
	return nil
}
func (b *build) Warnings() []string { return nil }

func (b *build) elapsed(v *stepView) string {
	switch {
	case v.started.IsZero():
		return ""
	case v.finished.IsZero() || v.finished.Before(v.started):
		return fmt.Sprintf("%4.0fs", b.now().Sub(v.started).Seconds())
	}
	return fmt.Sprintf("%4.0fs", v.finished.Sub(v.started).Seconds())
}

func (b *build) View() string {
	s := b.c.Styles
	var out strings.Builder
	if b.phase == phaseFailed {
		out.WriteString(b.compactSteps() + "\n\n" + b.failure())
		return out.String()
	}
	shown := 0
	for _, id := range b.order {
		v := b.views[id]
		if v.status == steps.Skipped {
			continue
		}
		shown++
		out.WriteString(truncate(b.stepLine(v), b.width) + "\n")
	}
	room := b.height - shown - 1
	if b.phase == phaseRolledBack {
		out.WriteString("\n" + s.Success.Render("✔ Rolled back: nothing of this run remains.") + "\n" +
			b.c.para("Press esc to go back to the review and change the plan, or q to quit."))
		return out.String()
	}
	if room > 1 {
		out.WriteString("\n")
		start := max(len(b.log)-(room-1), 0)
		for _, l := range b.log[start:] {
			out.WriteString(s.Subtle.Render(truncate(l, b.width)) + "\n")
		}
	}
	return strings.TrimRight(out.String(), "\n")
}

func (b *build) stepLine(v *stepView) string {
	s := b.c.Styles
	mark, status := "·", "pending"
	switch {
	case v.live == "undoing":
		mark, status = b.spinner.View(), "undoing"
	case v.undone:
		mark, status = "↩", "undone"
	case v.status == steps.Running:
		mark, status = b.spinner.View(), "running"
	case v.status == steps.Done:
		mark, status = s.Success.Render("✔"), "done"
	case v.status == steps.Failed && (b.interrupted || v.stopped):
		mark, status = "■", "stopped"
	case v.status == steps.Failed:
		mark, status = s.Error.Render("✘"), "failed"
	}
	line := fmt.Sprintf("%s %-24s %-8s %s", mark, v.title, status, b.elapsed(v))
	if v.live != "" && v.live != "undoing" {
		line += "  " + s.Subtle.Render(v.live)
	}
	return line
}

// compactSteps sums the steps up in a few lines, to leave room for a failure.
func (b *build) compactSteps() string {
	s := b.c.Styles
	var done, pending, lines []string
	for _, id := range b.order {
		v := b.views[id]
		switch {
		case v.status == steps.Skipped:
		case v.status == steps.Done:
			done = append(done, strings.ToLower(v.title))
		case v.status == steps.Failed && v.stopped && !b.interrupted:
			pending = append(pending, strings.ToLower(v.title)+" (stopped)")
		case v.status == steps.Failed:
			lines = append(lines, truncate(b.stepLine(v), b.width))
		default:
			pending = append(pending, strings.ToLower(v.title))
		}
	}
	head := []string{}
	if len(done) > 0 {
		head = append(head, s.Success.Render("✔")+strings.TrimPrefix(wrapText(fmt.Sprintf("✔ %d steps done: %s", len(done), strings.Join(done, ", ")), b.c.Width, "  "), "✔"))
	}
	lines = append(head, lines...)
	if len(pending) > 0 {
		lines = append(lines, wrapText(fmt.Sprintf("· %d not started: %s", len(pending), strings.Join(pending, ", ")), b.c.Width, "  "))
	}
	return strings.Join(lines, "\n")
}

func (b *build) failure() string {
	s := b.c.Styles
	n := len(Remaining(b.j))
	if b.interrupted {
		return s.Error.Render("✘ You stopped the setup (ctrl+c).") + "\n\n" +
			b.c.para(fmt.Sprintf("Roll back the %d resource(s) created so far (r), keep them and exit to resume later (k), or go on (t)?", n))
	}
	// The mark and the message wrap as one text, so that no line is wider than the screen
	// and the terminal cuts no word off.
	lines := strings.Split(wrapText("✘ A step failed: "+fmt.Sprint(b.err), b.c.Width, ""), "\n")
	lines[0] = s.Error.Render("✘ A step failed:") + strings.TrimPrefix(lines[0], "✘ A step failed:")
	if fix := steps.Recommend(b.err); fix != "" {
		lines = append(lines, wrapText("Try: "+fix, b.c.Width, ""))
	}
	lines = append(lines, "", b.c.para(fmt.Sprintf("%d resource(s) of this run exist now. Roll them back (r), keep them and exit to resume later (k), or retry (t)?", n)))
	return strings.Join(lines, "\n")
}

// truncate cuts s to w cells, counting neither escape sequences nor more than once a wide
// character, and ends it with "…" when it cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

func (b *build) ShortHelp() []key.Binding {
	switch b.phase {
	case phaseFailed:
		return []key.Binding{b.keys.Rollback, b.keys.Keep, b.keys.Retry}
	case phaseRolledBack:
		return []key.Binding{b.keys.Back, b.keys.Quit}
	}
	return []key.Binding{b.c.Keys.Abort}
}
func (b *build) FullHelp() [][]key.Binding { return [][]key.Binding{b.ShortHelp()} }
