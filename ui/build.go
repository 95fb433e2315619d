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

// Messages from the session goroutine, read one at a time by waitForEventCmd. Each names its
// run: a build screen drops those of another run, which a reader armed for an earlier build
// may still deliver.
type (
	stepEventMsg struct{ e steps.Event }
	// askMsg is the session's question after a failure or a stop; a key answers it.
	askMsg struct {
		runID string
		q     steps.Question
	}
	sessionDoneMsg struct {
		runID string
		res   steps.Result
	}
)

// waitForEventCmd reads the next message the runner sent; each handler re-arms it.
func waitForEventCmd(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

// keyPrompter asks the session's questions on the build screen: the question goes to the
// screen as an askMsg, and the keys r, k and t answer it through answers.
type keyPrompter struct {
	ctx     context.Context
	ch      chan<- tea.Msg
	answers <-chan steps.Choice
}

func (p keyPrompter) Ask(q steps.Question) (steps.Choice, error) {
	p.ch <- askMsg{q.RunID, q}
	select {
	case c := <-p.answers:
		return c, nil
	case <-p.ctx.Done():
		return steps.Keep, p.ctx.Err()
	}
}

type buildKeys struct {
	Rollback key.Binding
	Keep     key.Binding
	Retry    key.Binding
	Back     key.Binding
	Quit     key.Binding
}

// build runs (or resumes) a run through a steps.Session and draws its steps.Progress; when
// the session asks what to do after a failure or ctrl+c, the keys answer: roll back, keep
// what exists, or retry.
type build struct {
	c       *Common
	j       *steps.Journal
	runner  *steps.Runner
	ch      chan tea.Msg
	answers chan steps.Choice
	// cancel stops the apply under way, stopRollback the rollback (both Session.Stop);
	// quitting is set when ctrl+c asked to quit during a rollback.
	cancel       context.CancelFunc
	stopRollback context.CancelFunc
	quitting     bool
	phase        buildPhase
	interrupted  bool
	resumed      bool
	progress     *steps.Progress
	err          error
	spinner      spinner.Model
	keys         buildKeys
	width        int
	height       int
	now          func() time.Time
}

func newBuild(c *Common, j *steps.Journal, resumed bool) *build {
	b := &build{c: c, j: j, resumed: resumed, progress: steps.NewProgress(j), ch: make(chan tea.Msg, 256), answers: make(chan steps.Choice, 1),
		spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), now: time.Now,
		keys: buildKeys{
			Rollback: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "roll back")),
			Keep:     key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "keep and exit")),
			Retry:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "retry")),
			Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to review")),
			Quit:     key.NewBinding(key.WithKeys("q", "enter"), key.WithHelp("q", "quit")),
		}}
	b.runner = &steps.Runner{Account: c.Account, Store: c.Store, Events: func(e steps.Event) { b.ch <- stepEventMsg{e} }}
	b.cancel, b.stopRollback = func() {}, func() {}
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

// start runs the session: it applies the run, and asks this screen what to do when the run
// fails or is stopped, until it is complete, rolled back or kept.
func (b *build) start() tea.Cmd {
	b.phase, b.err, b.interrupted = phaseRunning, nil, false
	s := &steps.Session{Runner: b.runner, Journal: b.j,
		Policy:   steps.Policy{Resumed: b.resumed, AskOnFailure: true},
		Prompter: keyPrompter{ctx: b.c.Ctx, ch: b.ch, answers: b.answers}}
	// Stop reports through the event channel the screen itself drains: it runs beside Update,
	// so that a full channel can never hold the screen up.
	stop := func() { go s.Stop() }
	b.cancel, b.stopRollback = stop, stop
	ctx, j, ch := b.c.Ctx, b.j, b.ch
	go func() { ch <- sessionDoneMsg{j.RunID, s.Run(ctx)} }()
	return tea.Batch(waitForEventCmd(b.ch), b.spinner.Tick)
}

// answer gives the session the user's choice; it never blocks the screen.
func (b *build) answer(c steps.Choice) {
	select {
	case b.answers <- c:
	default:
	}
}

// interrupt handles ctrl+c: it stops a running apply, and the session then asks what to do;
// in any other phase it quits, keeping what exists.
func (b *build) interrupt() tea.Cmd {
	switch b.phase {
	case phaseRunning:
		b.interrupted = true
		b.phase = phaseStopping
		b.cancel()
		return nil
	case phaseStopping:
		return nil
	case phaseRollingBack:
		// Stop the rollback and quit once it has returned, so the journal is whole.
		if !b.quitting {
			b.quitting = true
			b.stopRollback()
		}
		return nil
	case phaseFailed:
		b.answer(steps.Keep)
	}
	if b.phase != phaseComplete && b.phase != phaseRolledBack {
		b.phase = phaseKept
	}
	b.release()
	return tea.Quit
}

func (b *build) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case stepEventMsg:
		if msg.e.RunID != b.j.RunID {
			return b, nil // another run's, from a reader this screen did not arm
		}
		b.progress.Apply(msg.e)
		return b, waitForEventCmd(b.ch)
	case askMsg:
		if msg.runID != b.j.RunID {
			return b, nil
		}
		// The session waits for a key; the reader is armed again with the answer.
		b.err, b.interrupted, b.phase = msg.q.Err, msg.q.Interrupted, phaseFailed
		return b, nil
	case sessionDoneMsg:
		if msg.runID != b.j.RunID {
			return b, nil
		}
		switch {
		case b.quitting || msg.res.Outcome == steps.Kept || msg.res.Outcome == steps.LeftBehind:
			b.phase = phaseKept
			b.release()
			return b, tea.Quit
		case msg.res.Outcome == steps.Complete:
			b.phase = phaseComplete
			b.release()
			return b, cmdOf(doneMsg{b.j})
		}
		b.phase, b.err = phaseRolledBack, nil
		b.release()
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
				b.answer(steps.RollBack)
				b.phase = phaseRollingBack
				return b, tea.Batch(waitForEventCmd(b.ch), b.spinner.Tick)
			case key.Matches(msg, b.keys.Keep):
				b.answer(steps.Keep)
				b.phase = phaseKept
				b.release()
				return b, tea.Quit
			case key.Matches(msg, b.keys.Retry):
				b.answer(steps.Retry)
				b.phase, b.err, b.interrupted = phaseRunning, nil, false
				return b, tea.Batch(waitForEventCmd(b.ch), b.spinner.Tick)
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

// logLine renders one entry of the run's log as the build screen shows it; "" leaves it out.
func logLine(l steps.LogEntry) string {
	switch l.Kind {
	case steps.StepAction:
		return "… " + l.Text
	case steps.StepNote:
		return "✔ " + l.Text
	case steps.StepFailed:
		return "✘ " + l.Title + ": " + l.Text
	case steps.UndoFailed:
		return "✘ could not undo " + strings.ToLower(l.Title) + ": " + l.Text
	case steps.RunStopping:
		return "Stopping after the steps under way… (their resources are recorded)"
	case steps.RollbackStopping:
		return "Stopping the rollback; what remains stays in the journal…"
	case steps.RetryStarted:
		return "Retrying from the failed step…"
	case steps.RollbackDone:
		return "✔ Rolled back: nothing of this run remains."
	}
	return ""
}

func (b *build) SetSize(w, h int) { b.width, b.height = w, h }
func (b *build) Problems() []string {
	return nil
}
func (b *build) Warnings() []string { return nil }

func (b *build) elapsed(v *steps.StepProgress) string {
	if v.Started.IsZero() {
		return ""
	}
	return fmt.Sprintf("%4.0fs", v.Elapsed(b.now()).Seconds())
}

func (b *build) View() string {
	s := b.c.Styles
	var out strings.Builder
	if b.phase == phaseFailed {
		out.WriteString(b.compactSteps() + "\n\n" + b.failure())
		return out.String()
	}
	shown := 0
	for _, v := range b.progress.Steps {
		if v.Status == steps.Skipped {
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
		var log []string
		for _, l := range b.progress.Log {
			if line := logLine(l); line != "" {
				log = append(log, line)
			}
		}
		start := max(len(log)-(room-1), 0)
		for _, l := range log[start:] {
			out.WriteString(s.Subtle.Render(truncate(l, b.width)) + "\n")
		}
	}
	return strings.TrimRight(out.String(), "\n")
}

func (b *build) stepLine(v *steps.StepProgress) string {
	s := b.c.Styles
	// The dot spinner's frames end in a space; trimmed, a running step lines up with the rest.
	spin := strings.TrimRight(b.spinner.View(), " ")
	mark, status := "·", "pending"
	switch {
	case v.Undoing:
		mark, status = spin, "undoing"
	case v.Undone:
		mark, status = "↩", "undone"
	case v.Status == steps.Running:
		mark, status = spin, "running"
	case v.Status == steps.Done:
		mark, status = s.Success.Render("✔"), "done"
	case v.Status == steps.Failed && (b.interrupted || v.Stopped):
		mark, status = "■", "stopped"
	case v.Status == steps.Failed:
		mark, status = s.Error.Render("✘"), "failed"
	}
	line := fmt.Sprintf("%s %-24s %-8s %s", mark, v.Title, status, b.elapsed(v))
	if v.Live != "" {
		line += "  " + s.Subtle.Render(v.Live)
	}
	return line
}

// compactSteps sums the steps up in a few lines, to leave room for a failure.
func (b *build) compactSteps() string {
	s := b.c.Styles
	var done, pending, lines []string
	for _, v := range b.progress.Steps {
		switch {
		case v.Status == steps.Skipped:
		case v.Status == steps.Done:
			done = append(done, strings.ToLower(v.Title))
		case v.Status == steps.Failed && v.Stopped && !b.interrupted:
			pending = append(pending, strings.ToLower(v.Title)+" (stopped)")
		case v.Status == steps.Failed:
			lines = append(lines, truncate(b.stepLine(v), b.width))
		default:
			pending = append(pending, strings.ToLower(v.Title))
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
	n := len(b.progress.Remaining())
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
