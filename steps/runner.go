package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vpclink/vpclink/awsops"
)

// Reporter is how a step tells what it is doing: Start and Stop bracket one action, Status
// tells the live state of a wait.
type Reporter interface {
	Start(label string)
	Stop(label string)
	Status(text string)
}

// EventKind says what an Event reports.
type EventKind int

// The kinds of events a runner sends.
const (
	StepStarted EventKind = iota
	StepAction            // a Reporter.Start
	StepNote              // a Reporter.Stop
	StepStatus            // a Reporter.Status
	StepDone
	StepFailed
	StepStopped // cancelled: by ctrl+c, or because another step failed
	StepSkipped
	UndoStarted
	UndoDone
	UndoFailed

	// The events of a Session, about the run as a whole; their Step is empty.
	RunStarted       // an attempt to apply begins
	RetryStarted     // the user chose to retry
	RunStopping      // Session.Stop stops the apply under way
	RunComplete      // every step is done
	RunFailed        // the apply failed; Err says why
	RunInterrupted   // the apply was stopped (ctrl+c, SIGTERM)
	RunKept          // what exists is kept, for a later resume or destroy
	RollbackStarted  // the rollback begins
	RollbackStopping // Session.Stop stops the rollback under way
	RollbackDone     // nothing of the run remains
	RollbackFailed   // the rollback left something; Err says why
)

var eventNames = []string{"started", "action", "note", "status", "done", "failed", "stopped", "skipped", "undo-started", "undone", "undo-failed",
	"run-started", "retry", "run-stopping", "run-complete", "run-failed", "run-interrupted", "run-kept", "rollback-started", "rollback-stopping", "rolled-back", "rollback-failed"}

// String names the kind.
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is one thing that happened during a run.
type Event struct {
	RunID string
	Step  string
	Title string
	Kind  EventKind
	Text  string
	Err   error
	At    time.Time
}

// Run is a journal being worked on: steps read the plan and record resources through it,
// and every record is saved before the step goes on.
type Run struct {
	mu    sync.Mutex
	j     *Journal
	store *Store
}

// Plan returns the run's plan. Steps must not change it.
func (r *Run) Plan() *Plan { return &r.j.Plan }

// ID returns the run id.
func (r *Run) ID() string { return r.j.RunID }

// Resources returns a copy of what the run has recorded.
func (r *Run) Resources() Resources {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.j.Resources
	res.SubnetIDs = slices.Clone(res.SubnetIDs)
	res.InstanceIDs = slices.Clone(res.InstanceIDs)
	res.LoadBalancerIPs = slices.Clone(res.LoadBalancerIPs)
	res.Registered = slices.Clone(res.Registered)
	res.SupersededLinks = slices.Clone(res.SupersededLinks)
	res.Ingress = slices.Clone(res.Ingress)
	res.IngressShared = slices.Clone(res.IngressShared)
	res.Methods = slices.Clone(res.Methods)
	res.RootMethods = slices.Clone(res.RootMethods)
	res.PreviousVariables = maps.Clone(res.PreviousVariables)
	return res
}

// Record changes the recorded resources and saves the journal at once, so that a crash
// right after a create still leaves the resource's id on disk.
func (r *Run) Record(fn func(*Resources)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.j.Resources)
	return r.save()
}

func (r *Run) save() error {
	if r.store == nil {
		return nil
	}
	return r.store.Save(r.j)
}

func (r *Run) setStep(id string, fn func(*StepRecord)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.j.Step(id); s != nil {
		fn(s)
	}
	return r.save()
}

// Runner runs the steps of journals against one account.
type Runner struct {
	Account *awsops.Account
	Store   *Store
	// Events, when set, hears every event. It is called from several goroutines at once.
	Events func(Event)
	// Steps overrides the step list, for tests; nil means Steps(Account).
	Steps []Step

	lockMu sync.Mutex
	lock   *RunLock // the run this runner holds, until Close
}

func (r *Runner) steps() []Step {
	if r.Steps != nil {
		return r.Steps
	}
	return All(r.Account)
}

func (r *Runner) emit(e Event) {
	if r.Events != nil {
		e.At = time.Now()
		r.Events(e)
	}
}

// NewJournal starts the journal of a new run of p with the resolution's ids, and saves it.
// The runner holds the new run (see Lock) until Close.
func (r *Runner) NewJournal(p *Plan, res *Resolution, planFile string, demo bool) (*Journal, error) {
	if res.Account == "" {
		return nil, errors.New("start the run: the account's id is unknown; check the plan again")
	}
	j := &Journal{
		RunID: NewRunID(p.Name), State: StateRunning, Region: r.Account.Region, Account: res.Account, Demo: demo,
		StartedAt: time.Now().UTC(), Plan: *p, PlanFile: planFile,
	}
	if err := r.Lock(j.RunID); err != nil {
		return nil, err
	}
	j.Resources.VPCID, j.Resources.VPCCIDR = res.VPC.ID, res.VPC.CIDR
	for _, s := range res.Subnets {
		j.Resources.SubnetIDs = append(j.Resources.SubnetIDs, s.ID)
	}
	for _, i := range res.Instances {
		j.Resources.InstanceIDs = append(j.Resources.InstanceIDs, i.ID)
	}
	if res.LoadBalancer != nil {
		j.Resources.LoadBalancerARN, j.Resources.LoadBalancerDNS, j.Resources.LoadBalancerReused = res.LoadBalancer.ARN, res.LoadBalancer.DNSName, true
	}
	if res.VPCLink != nil {
		j.Resources.VPCLinkID, j.Resources.VPCLinkReused = res.VPCLink.ID, true
	}
	if res.RestAPI != nil {
		j.Resources.RestAPIID, j.Resources.RestAPIReused = res.RestAPI.ID, true
	}
	for _, s := range r.steps() {
		rec := StepRecord{ID: s.ID(), Title: s.Title()}
		if !s.Applies(p) {
			rec.Status = Skipped
		}
		j.Steps = append(j.Steps, rec)
	}
	if r.Store != nil {
		if err := r.Store.Save(j); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// StepError is the failure of one step.
type StepError struct {
	Step  string
	Title string
	Err   error
}

// Error names the step and its cause; an action's own words already say which step it was.
func (e *StepError) Error() string {
	var ae *awsops.ActionError
	if errors.As(e.Err, &ae) {
		return e.Err.Error()
	}
	return e.Title + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// RecommendActions says what to do about the failure.
func (e *StepError) RecommendActions() string { return Recommend(e.Err) }

// Recommend returns a concrete next step for err, or "" when there is none to give.
func Recommend(err error) string {
	var ra interface{ RecommendActions() string }
	var te *awsops.ThrottleError
	switch {
	case errors.As(err, &ra):
		return ra.RecommendActions()
	case errors.Is(err, ErrNoRun):
		return "`vpclink status` lists the runs (add --demo for the demo account's)"
	case errors.As(err, &te):
		return "AWS is throttling this account's requests: wait a minute, then retry"
	case errors.Is(err, context.DeadlineExceeded):
		return "the wait ran out of time; AWS may still finish: retry to check again"
	case strings.Contains(err.Error(), "credentials"):
		return "sign in (aws sso login, or aws configure), or choose another profile; or try the demo account: vpclink --demo"
	case awsops.ErrorCode(err) != "":
		return "fix what AWS's message names (in the console or the plan), then retry"
	}
	return ""
}

// Apply runs every step that is not done yet, starting each as soon as the steps it comes
// after are done, so that independent work (the API while the NLB provisions) overlaps.
// Steps done in an earlier attempt run again: each finds its recorded resource, checks that
// it still exists and adopts it, or creates it again. On the first failure Apply stops the
// other running steps (a wait may otherwise last minutes) and returns a *StepError; the
// journal is left failed (or interrupted, when ctx was cancelled) for the caller to roll
// back or keep. A create stopped in flight is found again by its name or tag, on retry and
// on rollback alike. A run another vpclink process holds is refused with an *InUseError.
func (r *Runner) Apply(ctx context.Context, j *Journal) error {
	release, err := r.hold(j.RunID)
	if err != nil {
		return err
	}
	defer release()
	run := &Run{j: j, store: r.Store}
	all := r.steps()
	byID := map[string]Step{}
	for _, s := range all {
		byID[s.ID()] = s
	}
	run.mu.Lock()
	j.State, j.Error = StateRunning, ""
	for i := range j.Steps {
		if j.Steps[i].Status != Skipped {
			j.Steps[i].Status, j.Steps[i].Error = Pending, ""
		}
	}
	err = run.save()
	run.mu.Unlock()
	if err != nil {
		return err
	}

	type result struct {
		id  string
		err error
	}
	results := make(chan result)
	stepCtx, stopSteps := context.WithCancel(ctx)
	defer stopSteps()
	status := map[string]Status{}
	for _, rec := range j.Steps {
		status[rec.ID] = rec.Status
	}
	running := 0
	var firstErr error
	for {
		if firstErr == nil && ctx.Err() == nil {
			for _, s := range all {
				if status[s.ID()] != Pending || !r.ready(s, status) {
					continue
				}
				status[s.ID()] = Running
				running++
				go func(s Step) { results <- result{s.ID(), r.do(stepCtx, run, s)} }(s)
			}
		}
		if running == 0 {
			break
		}
		res := <-results
		running--
		if res.err != nil {
			status[res.id] = Failed
			if firstErr == nil {
				firstErr = &StepError{Step: res.id, Title: byID[res.id].Title(), Err: res.err}
				stopSteps()
			}
			continue
		}
		status[res.id] = Done
	}

	run.mu.Lock()
	defer run.mu.Unlock()
	switch {
	case firstErr == nil && ctx.Err() != nil:
		firstErr = ctx.Err()
		fallthrough
	case firstErr != nil && ctx.Err() != nil:
		j.State = StateInterrupted
	case firstErr != nil:
		j.State = StateFailed
	default:
		j.State = StateComplete
	}
	if firstErr != nil {
		j.Error = firstErr.Error()
	}
	if err := run.save(); err != nil && firstErr == nil {
		return err
	}
	return firstErr
}

func (r *Runner) ready(s Step, status map[string]Status) bool {
	for _, dep := range s.After() {
		if st, ok := status[dep]; ok && st != Done && st != Skipped {
			return false
		}
	}
	return true
}

// reporter turns one step's reports into events and the journal's detail line.
type reporter struct {
	r    *Runner
	run  *Run
	step Step
}

func (p *reporter) send(kind EventKind, text string) {
	p.r.emit(Event{RunID: p.run.ID(), Step: p.step.ID(), Title: p.step.Title(), Kind: kind, Text: text})
}

func (p *reporter) Start(label string) { p.send(StepAction, label) }
func (p *reporter) Status(text string) { p.send(StepStatus, text) }
func (p *reporter) Stop(label string) {
	_ = p.run.setStep(p.step.ID(), func(s *StepRecord) { s.Detail = label })
	p.send(StepNote, label)
}

func (r *Runner) do(ctx context.Context, run *Run, s Step) error {
	if err := run.setStep(s.ID(), func(rec *StepRecord) {
		rec.Status, rec.Started, rec.Finished, rec.Error = Running, time.Now().UTC(), time.Time{}, ""
	}); err != nil {
		return err
	}
	r.emit(Event{RunID: run.ID(), Step: s.ID(), Title: s.Title(), Kind: StepStarted})
	err := s.Do(ctx, run, &reporter{r, run, s})
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	saveErr := run.setStep(s.ID(), func(rec *StepRecord) {
		rec.Finished = time.Now().UTC()
		if err != nil {
			rec.Status, rec.Error = Failed, err.Error()
		} else {
			rec.Status = Done
		}
	})
	if err != nil {
		kind := StepFailed
		if errors.Is(err, context.Canceled) {
			kind = StepStopped
		}
		r.emit(Event{RunID: run.ID(), Step: s.ID(), Title: s.Title(), Kind: kind, Err: err, Text: err.Error()})
		return err
	}
	r.emit(Event{RunID: run.ID(), Step: s.ID(), Title: s.Title(), Kind: StepDone})
	return saveErr
}

// UndoError lists the steps whose undo failed; what they hold is still in the journal.
type UndoError struct {
	RunID  string
	Errors []error
}

// Error lists the failures.
func (e *UndoError) Error() string {
	msg := fmt.Sprintf("%d resource(s) of run %s could not be deleted", len(e.Errors), e.RunID)
	for _, err := range e.Errors {
		msg += "\n  - " + err.Error()
	}
	return msg
}

// Unwrap returns the failures, so that errors.As finds a *KeptError among them.
func (e *UndoError) Unwrap() []error { return e.Errors }

// RecommendActions tells how to finish the clean-up.
func (e *UndoError) RecommendActions() string {
	var kept *KeptError
	if len(e.Errors) > 0 && !slices.ContainsFunc(e.Errors, func(err error) bool { return !errors.As(err, &kept) }) {
		return kept.RecommendActions() // only what another run uses was left
	}
	return fmt.Sprintf("fix the cause named above, then run `vpclink destroy %s` to delete what remains", e.RunID)
}

// Rollback undoes every step of the journal that may have created something, dependents
// first (see undoOrder), so that each resource goes after what depends on it. It goes on past a
// failed undo, so that as much as possible is cleaned up, and reports every failure.
// A destroy (final StateDestroyed) marks the run StateDestroying before the first delete
// and leaves it so when it fails or is stopped: the run is then half-destroyed, and only a
// destroy finishes it. A run another vpclink process holds is refused with an *InUseError.
func (r *Runner) Rollback(ctx context.Context, j *Journal, final RunState) error {
	release, err := r.hold(j.RunID)
	if err != nil {
		return err
	}
	defer release()
	run := &Run{j: j, store: r.Store}
	all := r.steps()
	if final == StateDestroyed {
		run.mu.Lock()
		j.State = StateDestroying
		err := run.save()
		run.mu.Unlock()
		if err != nil {
			return err
		}
	}
	var errs []error
	for _, s := range undoOrder(all) {
		if err := ctx.Err(); err != nil {
			// Stopped (ctrl+c, SIGTERM): what is left stays recorded for the next attempt.
			if len(errs) == 0 {
				errs = append(errs, err)
			}
			break
		}
		rec := j.Step(s.ID())
		if rec == nil || rec.Status == Skipped || rec.Status == Undone {
			continue
		}
		r.emit(Event{RunID: j.RunID, Step: s.ID(), Title: s.Title(), Kind: UndoStarted})
		err := s.Undo(ctx, run, &reporter{r, run, s})
		if err != nil {
			errs = append(errs, err)
			_ = run.setStep(s.ID(), func(rec *StepRecord) { rec.Error = "undo: " + err.Error() })
			r.emit(Event{RunID: j.RunID, Step: s.ID(), Title: s.Title(), Kind: UndoFailed, Err: err, Text: err.Error()})
			continue
		}
		if err := run.setStep(s.ID(), func(rec *StepRecord) { rec.Status, rec.Error = Undone, "" }); err != nil {
			errs = append(errs, err)
		}
		r.emit(Event{RunID: j.RunID, Step: s.ID(), Title: s.Title(), Kind: UndoDone})
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	if len(errs) > 0 {
		if final != StateDestroyed {
			j.State = StateUndoFailed
		}
		uerr := &UndoError{RunID: j.RunID, Errors: errs}
		j.Error = uerr.Error()
		_ = run.save()
		return uerr
	}
	j.State = final
	return run.save()
}
