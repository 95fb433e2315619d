package steps_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// fakeStep is a step whose Do fails while fails is above zero, and which counts its runs.
type fakeStep struct {
	id     string
	fails  int
	block  chan struct{} // when set, Do waits on it or on ctx
	done   int
	undone int
}

func (s *fakeStep) ID() string               { return s.id }
func (s *fakeStep) Title() string            { return "Step " + s.id }
func (s *fakeStep) After() []string          { return nil }
func (s *fakeStep) Applies(*steps.Plan) bool { return true }
func (s *fakeStep) Do(ctx context.Context, run *steps.Run, rep steps.Reporter) error {
	s.done++
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.fails > 0 {
		s.fails--
		return errors.New("AWS said no")
	}
	return nil
}
func (s *fakeStep) Undo(ctx context.Context, run *steps.Run, rep steps.Reporter) error {
	s.undone++
	return nil
}

// fakePrompter answers with its answers in turn, and records the questions.
type fakePrompter struct {
	answers []steps.Choice
	asked   []steps.Question
}

func (p *fakePrompter) Ask(q steps.Question) (steps.Choice, error) {
	p.asked = append(p.asked, q)
	if len(p.answers) == 0 {
		return steps.Keep, errors.New("no answer left")
	}
	c := p.answers[0]
	p.answers = p.answers[1:]
	return c, nil
}

func newSession(st *fakeStep, policy steps.Policy, pr steps.Prompter) (*steps.Session, *[]steps.EventKind) {
	var kinds []steps.EventKind
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateRunning, Steps: []steps.StepRecord{{ID: st.id, Title: st.Title()}}}
	r := &steps.Runner{Steps: []steps.Step{st}, Events: func(e steps.Event) {
		if e.Step == "" {
			kinds = append(kinds, e.Kind)
		}
	}}
	s := &steps.Session{Runner: r, Journal: j, Policy: policy}
	if pr != nil {
		s.Prompter = pr
	}
	return s, &kinds
}

func TestSessionPolicy(t *testing.T) {
	tests := map[string]struct {
		policy  steps.Policy
		answers []steps.Choice
		noAsker bool
		want    steps.Outcome
		asked   int
		undone  int
		state   steps.RunState
	}{
		"a failure asks, and keep keeps what exists": {
			policy: steps.Policy{AskOnFailure: true}, answers: []steps.Choice{steps.Keep}, want: steps.Kept, asked: 1, state: steps.StateFailed,
		},
		"a failure asks, and roll back undoes the run": {
			policy: steps.Policy{AskOnFailure: true}, answers: []steps.Choice{steps.RollBack}, want: steps.RolledBack, asked: 1, undone: 1, state: steps.StateRolledBack,
		},
		"a failed apply with --yes (nobody to ask) rolls back": {
			noAsker: true, want: steps.RolledBack, undone: 1, state: steps.StateRolledBack,
		},
		"a failed apply with --keep-on-failure keeps": {
			policy: steps.Policy{KeepOnFailure: true}, noAsker: true, want: steps.Kept, state: steps.StateFailed,
		},
		"a failed resume with --yes (nobody to ask) keeps": {
			policy: steps.Policy{Resumed: true}, noAsker: true, want: steps.Kept, state: steps.StateFailed,
		},
		"a failed resume with --rollback-on-failure rolls back": {
			policy: steps.Policy{Resumed: true, RollbackOnFailure: true}, noAsker: true, want: steps.RolledBack, undone: 1, state: steps.StateRolledBack,
		},
		"a failure is not asked about at a terminal unless the policy says so": {
			answers: []steps.Choice{steps.Keep}, want: steps.RolledBack, undone: 1, state: steps.StateRolledBack,
		},
		"no answer keeps what exists": {
			policy: steps.Policy{AskOnFailure: true}, want: steps.Kept, asked: 1, state: steps.StateFailed,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := &fakeStep{id: "one", fails: 1}
			pr := &fakePrompter{answers: tc.answers}
			var asker steps.Prompter = pr
			if tc.noAsker {
				asker = nil
			}
			s, _ := newSession(st, tc.policy, asker)
			res := s.Run(context.Background())
			if res.Outcome != tc.want || res.Interrupted || res.Err == nil {
				t.Errorf("result = %+v; want %s, not interrupted, with the failure", res, tc.want)
			}
			if len(pr.asked) != tc.asked || st.undone != tc.undone || s.Journal.State != tc.state {
				t.Errorf("asked %d, undone %d, state %s; want %d, %d, %s", len(pr.asked), st.undone, s.Journal.State, tc.asked, tc.undone, tc.state)
			}
		})
	}
}

func TestSessionRetryRunsTheFailedStepAgain(t *testing.T) {
	st := &fakeStep{id: "one", fails: 1}
	pr := &fakePrompter{answers: []steps.Choice{steps.Retry}}
	s, kinds := newSession(st, steps.Policy{AskOnFailure: true}, pr)
	res := s.Run(context.Background())
	if res.Outcome != steps.Complete || st.done != 2 || s.Journal.State != steps.StateComplete {
		t.Fatalf("result %+v after %d attempt(s), state %s; want complete after 2", res, st.done, s.Journal.State)
	}
	want := []steps.EventKind{steps.RunStarted, steps.RunFailed, steps.RetryStarted, steps.RunStarted, steps.RunComplete}
	if !slices.Equal(*kinds, want) {
		t.Errorf("session events = %v; want %v", *kinds, want)
	}
	if len(pr.asked) != 1 || pr.asked[0].Interrupted || pr.asked[0].Err == nil || pr.asked[0].RunID != "orders-abc123" {
		t.Errorf("questions = %+v; want one about the failure", pr.asked)
	}
}

func TestSessionInterruptAsksEvenWhenFailuresAreNot(t *testing.T) {
	st := &fakeStep{id: "one", block: make(chan struct{})}
	pr := &fakePrompter{answers: []steps.Choice{steps.Keep}}
	s, _ := newSession(st, steps.Policy{}, pr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Interrupt = func(ctx context.Context) (context.Context, context.CancelFunc) {
		c, stop := context.WithCancel(ctx)
		stop() // ctrl+c at once
		return c, stop
	}
	res := s.Run(ctx)
	if res.Outcome != steps.Kept || !res.Interrupted {
		t.Fatalf("result = %+v; want kept after an interrupt", res)
	}
	if len(pr.asked) != 1 || !pr.asked[0].Interrupted || pr.asked[0].Default != steps.Keep {
		t.Errorf("questions = %+v; want one about the interrupt, keeping by default", pr.asked)
	}
	if s.Journal.State != steps.StateInterrupted || st.undone != 0 {
		t.Errorf("state %s, undone %d; want interrupted with nothing undone", s.Journal.State, st.undone)
	}
}

func TestSessionInterruptWithNobodyToAskFollowsThePolicy(t *testing.T) {
	st := &fakeStep{id: "one", block: make(chan struct{})}
	s, _ := newSession(st, steps.Policy{}, nil)
	s.Interrupt = func(ctx context.Context) (context.Context, context.CancelFunc) {
		c, stop := context.WithCancel(ctx)
		stop()
		return c, stop
	}
	if res := s.Run(context.Background()); res.Outcome != steps.RolledBack || !res.Interrupted || st.undone != 1 {
		t.Errorf("result = %+v, undone %d; want an apply rolled back", res, st.undone)
	}
}

func TestProgressFollowsTheEvents(t *testing.T) {
	j := &steps.Journal{RunID: "orders-abc123", Steps: []steps.StepRecord{{ID: "one", Title: "Step one"}, {ID: "two", Title: "Step two", Status: steps.Skipped}}}
	p := steps.NewProgress(j)
	ev := func(kind steps.EventKind, step, text string) []steps.LogEntry {
		return p.Apply(steps.Event{RunID: "orders-abc123", Step: step, Title: "Step one", Kind: kind, Text: text})
	}
	ev(steps.RunStarted, "", "")
	ev(steps.StepStarted, "one", "")
	if got := ev(steps.StepAction, "one", "Creating link."); len(got) != 1 || p.Step("one").Live != "Creating link." {
		t.Errorf("an action logged %v and shows %q", got, p.Step("one").Live)
	}
	if got := ev(steps.StepStatus, "one", "PENDING"); len(got) != 1 || p.Step("one").Live != "PENDING" {
		t.Errorf("a new wait status logged %v and shows %q", got, p.Step("one").Live)
	}
	if got := ev(steps.StepStatus, "one", "PENDING"); len(got) != 0 {
		t.Errorf("the same wait status logged again: %v", got)
	}
	if got := p.Apply(steps.Event{RunID: "orders-old999", Step: "one", Kind: steps.StepFailed}); got != nil || p.Step("one").Status != steps.Running {
		t.Errorf("another run's event changed the progress: %v, %s", got, p.Step("one").Status)
	}
	ev(steps.StepNote, "one", "Created link.")
	ev(steps.StepDone, "one", "")
	ev(steps.RunComplete, "", "")
	if s := p.Step("one"); s.Status != steps.Done || s.Detail != "Created link." || s.Live != "" || !p.Done || p.Outcome != steps.Complete {
		t.Errorf("after the run: step %+v, done %v, outcome %s", s, p.Done, p.Outcome)
	}
	if p.Step("two").Status != steps.Skipped {
		t.Errorf("a skipped step became %s", p.Step("two").Status)
	}
}
