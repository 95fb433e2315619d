package steps

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Choice is what to do with a run that failed or was stopped.
type Choice int

// The choices a Prompter answers with.
const (
	// RollBack deletes what the run created.
	RollBack Choice = iota
	// Keep leaves what exists, for a later resume or destroy.
	Keep
	// Retry applies the run again from the steps not done yet.
	Retry
)

var choiceNames = []string{"roll back", "keep", "retry"}

// String names the choice.
func (c Choice) String() string {
	if int(c) < len(choiceNames) {
		return choiceNames[c]
	}
	return fmt.Sprintf("choice(%d)", int(c))
}

// Question is what a Session asks when a run failed or was stopped.
type Question struct {
	RunID string
	// Interrupted is true when the user stopped the run (ctrl+c, SIGTERM).
	Interrupted bool
	// Undo is true when the failure was a rollback's.
	Undo bool
	// Err is the failure; for an interrupt, the context's error.
	Err error
	// Remaining is how many resources of the run exist now.
	Remaining int
	// Default is what the policy does when nobody answers.
	Default Choice
}

// Prompter asks the user what to do with a failed or stopped run: the CLI reads a line, the
// build screen waits for a key. It returns an error when no answer can be had.
type Prompter interface {
	Ask(q Question) (Choice, error)
}

// Policy is what a run does on failure when nobody is asked.
type Policy struct {
	// Resumed is true for a resume: the user kept this run, so a failure keeps it again.
	Resumed bool
	// KeepOnFailure makes a failing apply keep what exists instead of rolling it back.
	KeepOnFailure bool
	// RollbackOnFailure makes a failing resume roll the run back instead of keeping it.
	RollbackOnFailure bool
	// AskOnFailure asks the Prompter on every failure; without it, only an interrupt is
	// asked about and a failure does what the flags say (scripts rely on it).
	AskOnFailure bool
}

// Default is what a failure does when nobody is asked: apply rolls back unless told to keep,
// resume keeps unless told to roll back.
func (p Policy) Default() Choice {
	if p.Resumed {
		if p.RollbackOnFailure {
			return RollBack
		}
		return Keep
	}
	if p.KeepOnFailure {
		return Keep
	}
	return RollBack
}

// Outcome is how a session ended.
type Outcome int

// The outcomes of a session.
const (
	// Complete means every step is done.
	Complete Outcome = iota
	// RolledBack means the run failed and nothing of it remains.
	RolledBack
	// Kept means the run failed or was stopped, and what it created remains.
	Kept
	// LeftBehind means a rollback left something behind.
	LeftBehind
)

var outcomeNames = []string{"complete", "rolled back", "kept", "undo failed"}

// String names the outcome.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Result is how a session ended, and why.
type Result struct {
	Outcome Outcome
	// Interrupted is true when the user stopped the last attempt.
	Interrupted bool
	// Err is the last failure (of the apply, or of the rollback), nil when complete.
	Err error
}

// Session applies a run and decides, in one place for the CLI and the wizard, what happens
// when it fails or is stopped: roll back, keep or retry, by asking the Prompter or by the
// Policy. Its runner's Events hear the session's own events (RunFailed, RollbackStarted, …)
// along with the steps'.
type Session struct {
	Runner  *Runner
	Journal *Journal
	Policy  Policy
	// Prompter asks what to do; nil means nobody can be asked (no terminal, or --yes).
	Prompter Prompter
	// Interrupt, when set, makes the context of one attempt, e.g. one that Ctrl-C or SIGTERM
	// cancels; a cancelled attempt is an interrupt.
	Interrupt func(context.Context) (context.Context, context.CancelFunc)

	mu       sync.Mutex
	stop     context.CancelFunc
	undoing  bool
	stopping bool
}

// Stop stops the apply or rollback under way, as ctrl+c does. The apply then asks what to
// do; a rollback stopped this way ends the session, keeping what remains.
func (s *Session) Stop() {
	s.mu.Lock()
	stop, undoing := s.stop, s.undoing
	s.stopping = true
	s.mu.Unlock()
	kind := RunStopping
	if undoing {
		kind = RollbackStopping
	}
	s.Runner.emit(Event{RunID: s.Journal.RunID, Kind: kind})
	if stop != nil {
		stop()
	}
}

func (s *Session) begin(ctx context.Context, undo bool) (context.Context, context.CancelFunc) {
	var c context.Context
	var cancel context.CancelFunc
	switch {
	case undo:
		// A rollback gets its own context: the one that stopped the apply must not stop it.
		c, cancel = context.WithCancel(context.WithoutCancel(ctx))
	case s.Interrupt != nil:
		c, cancel = s.Interrupt(ctx)
	default:
		c, cancel = context.WithCancel(ctx)
	}
	s.mu.Lock()
	s.stop, s.undoing, s.stopping = cancel, undo, false
	s.mu.Unlock()
	return c, cancel
}

func (s *Session) stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// decide asks the Prompter when it should be asked, and otherwise follows the policy.
func (s *Session) decide(q Question) Choice {
	q.RunID, q.Remaining, q.Default = s.Journal.RunID, len(Remaining(s.Journal)), s.Policy.Default()
	if q.Interrupted {
		q.Default = Keep // a stop asks; without an answer, nothing more is changed
		if s.Prompter == nil {
			q.Default = s.Policy.Default()
		}
	}
	if s.Prompter == nil || !(q.Interrupted || s.Policy.AskOnFailure) {
		return q.Default
	}
	c, err := s.Prompter.Ask(q)
	if err != nil {
		return Keep // no answer: keep what exists, for a later resume or destroy
	}
	return c
}

// Run applies the journal until it is complete, or rolled back, or kept, as decided.
func (s *Session) Run(ctx context.Context) Result {
	j, r := s.Journal, s.Runner
	emit := func(kind EventKind, err error) {
		e := Event{RunID: j.RunID, Kind: kind, Err: err}
		if err != nil {
			e.Text = err.Error()
		}
		r.emit(e)
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			emit(RetryStarted, nil)
		}
		emit(RunStarted, nil)
		actx, cancel := s.begin(ctx, false)
		err := r.Apply(actx, j)
		interrupted := err != nil && actx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			emit(RunComplete, nil)
			return Result{Outcome: Complete}
		}
		if interrupted {
			emit(RunInterrupted, err)
		} else {
			emit(RunFailed, err)
		}
		q := Question{Interrupted: interrupted, Err: err}
		for {
			switch s.decide(q) {
			case Retry:
			case Keep:
				emit(RunKept, nil)
				return Result{Outcome: Kept, Interrupted: interrupted, Err: q.Err}
			default:
				emit(RollbackStarted, nil)
				uctx, cancel := s.begin(ctx, true)
				uerr := r.Rollback(uctx, j, StateRolledBack)
				cancel()
				if uerr == nil {
					emit(RollbackDone, nil)
					return Result{Outcome: RolledBack, Interrupted: interrupted, Err: err}
				}
				emit(RollbackFailed, uerr)
				if s.stopped() && errors.Is(uerr, context.Canceled) {
					emit(RunKept, nil)
					return Result{Outcome: Kept, Interrupted: true, Err: uerr}
				}
				if s.Prompter == nil || !s.Policy.AskOnFailure {
					return Result{Outcome: LeftBehind, Interrupted: interrupted, Err: uerr}
				}
				q = Question{Undo: true, Err: uerr}
				continue
			}
			break
		}
	}
}
