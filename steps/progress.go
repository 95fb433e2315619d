package steps

import (
	"errors"
	"strings"
	"time"

	"github.com/vpclink/vpclink/awsops"
)

// StepProgress is what is known of one step while a run is applied or rolled back.
type StepProgress struct {
	ID    string
	Title string
	// Status is the step's status; a step stopped by ctrl+c or by another step's failure is
	// Failed with Stopped set.
	Status  Status
	Stopped bool
	// Detail is the step's last finished action ("Created load balancer …").
	Detail string
	// Action is the action under way (a Reporter.Start), "" when none.
	Action string
	// Wait is the last live status of a wait ("PENDING"), kept to tell a change.
	Wait string
	// Live is what the step is doing now: its action or its wait's status.
	Live string
	// Undoing is true while the step's undo runs; Undone once it succeeded.
	Undoing bool
	Undone  bool
	// UndoActed is true when the undo did something (it deleted, rather than found nothing).
	UndoActed bool
	Started   time.Time
	Finished  time.Time
}

// Elapsed is how long the step ran, or has been running at now; zero before it started.
func (s *StepProgress) Elapsed(now time.Time) time.Duration {
	switch {
	case s.Started.IsZero():
		return 0
	case s.Finished.IsZero() || s.Finished.Before(s.Started):
		return now.Sub(s.Started)
	}
	return s.Finished.Sub(s.Started)
}

// LogEntry is one line of a run's log: an event worth telling, as it happened.
type LogEntry struct {
	Kind  EventKind
	Step  string
	Title string
	Text  string
	Err   error
	At    time.Time
}

// Progress is the one model of a run's progress: the state of each step, the log, and how
// the run ended. It is updated from the runner's and the session's events; the CLI's lines
// and the build screen are two renderers of it. It is not safe for concurrent use.
type Progress struct {
	RunID string
	// Steps are the run's steps, in the journal's order.
	Steps []*StepProgress
	// Log is what happened, oldest first; it keeps the last MaxLog entries.
	Log []LogEntry
	// Running is true while an apply or a rollback is under way.
	Running bool
	// RollingBack is true while a rollback is under way.
	RollingBack bool
	// Interrupted is true when the user stopped the last apply.
	Interrupted bool
	// Done is set when the session ended, with Outcome.
	Done    bool
	Outcome Outcome
	// Err is the last failure, of the apply or of the rollback.
	Err error

	journal *Journal
	byID    map[string]*StepProgress
}

// MaxLog is how many entries a Progress keeps in its log.
const MaxLog = 200

// NewProgress starts the progress of the run of j, with each step as the journal has it.
func NewProgress(j *Journal) *Progress {
	p := &Progress{RunID: j.RunID, journal: j, byID: map[string]*StepProgress{}}
	for _, rec := range j.Steps {
		s := &StepProgress{ID: rec.ID, Title: rec.Title, Status: rec.Status, Detail: rec.Detail}
		p.Steps = append(p.Steps, s)
		p.byID[rec.ID] = s
	}
	return p
}

// Step returns the progress of the step id, or nil.
func (p *Progress) Step(id string) *StepProgress { return p.byID[id] }

// Remaining lists what the run created and still holds, one line each.
func (p *Progress) Remaining() []string { return Remaining(p.journal) }

// Apply updates the progress with one event, and returns the log entries it added: the
// lines a renderer that prints as it goes writes. Another run's events are ignored.
func (p *Progress) Apply(e Event) []LogEntry {
	if e.RunID != p.RunID {
		return nil
	}
	n := len(p.Log)
	entry := LogEntry{Kind: e.Kind, Step: e.Step, Title: e.Title, Text: e.Text, Err: e.Err, At: e.At}
	add := func() { p.Log = append(p.Log, entry) }
	if e.Step == "" {
		p.run(e, add)
	} else if s := p.byID[e.Step]; s != nil {
		p.step(s, e, add)
	}
	added := append([]LogEntry(nil), p.Log[n:]...)
	if len(p.Log) > MaxLog {
		p.Log = p.Log[len(p.Log)-MaxLog:]
	}
	return added
}

func (p *Progress) run(e Event, add func()) {
	switch e.Kind {
	case RunStarted:
		p.Running, p.RollingBack, p.Interrupted, p.Done, p.Err = true, false, false, false, nil
		for _, s := range p.Steps {
			if s.Status != Skipped {
				s.Status, s.Live, s.Action, s.Undone, s.Undoing, s.Stopped = Pending, "", "", false, false, false
			}
		}
	case RunComplete:
		p.Running, p.Done, p.Outcome = false, true, Complete
	case RunFailed, RunInterrupted:
		p.Running, p.Err, p.Interrupted = false, e.Err, e.Kind == RunInterrupted
	case RunKept:
		p.Running, p.RollingBack, p.Done, p.Outcome = false, false, true, Kept
	case RollbackStarted:
		p.Running, p.RollingBack = true, true
	case RollbackDone:
		p.Running, p.RollingBack, p.Done, p.Outcome, p.Err = false, false, true, RolledBack, nil
	case RollbackFailed:
		p.Running, p.RollingBack, p.Err = false, false, e.Err
		p.Outcome = LeftBehind
	}
	add()
}

func (p *Progress) step(s *StepProgress, e Event, add func()) {
	switch e.Kind {
	case StepStarted:
		s.Status, s.Started, s.Finished, s.Live, s.Action, s.Undone, s.Stopped = Running, e.At, time.Time{}, "", "", false, false
	case StepAction:
		s.Action, s.Live = e.Text, e.Text
		if s.Undoing {
			s.UndoActed = true
		}
		add()
	case StepNote:
		s.Detail, s.Action, s.Live = e.Text, "", ""
		add()
	case StepStatus:
		s.Live = e.Text
		if s.Wait != e.Text {
			s.Wait = e.Text
			add()
		}
	case StepDone:
		s.Status, s.Finished, s.Live, s.Action = Done, e.At, "", ""
	case StepFailed:
		s.Status, s.Finished, s.Live, s.Action = Failed, e.At, "", ""
		add()
	case StepStopped:
		s.Status, s.Finished, s.Live, s.Action, s.Stopped = Failed, e.At, "", "", true
		add()
	case StepSkipped:
		s.Status = Skipped
	case UndoStarted:
		s.Undoing, s.UndoActed, s.Live = true, false, ""
	case UndoDone:
		s.Undoing, s.Undone, s.Live, s.Action = false, true, "", ""
		add()
	case UndoFailed:
		s.Undoing, s.Live, s.Action = false, "", ""
		add()
	}
}

// Kept reports whether an undo failure only left what another run uses.
func (l LogEntry) Kept() (*KeptError, bool) {
	var kept *KeptError
	ok := errors.As(l.Err, &kept)
	return kept, ok
}

// Remaining lists what a run created and still holds, one line each.
func Remaining(j *Journal) []string {
	r := j.Resources
	var out []string
	add := func(kind, id string, reused bool) {
		if id != "" && !reused {
			out = append(out, kind+" "+id)
		}
	}
	add("target group", r.TargetGroupARN, false)
	add("load balancer", r.LoadBalancerARN, r.LoadBalancerReused)
	add("listener", r.ListenerARN, r.LoadBalancerReused)
	if r.RegisteredIn != "" && len(r.Registered) > 0 {
		// Targets this run registered in an adopted load balancer's target group.
		out = append(out, "targets "+strings.Join(r.Registered, ", ")+" in "+awsops.ResourceName(r.RegisteredIn))
	}
	for _, rule := range r.Ingress {
		out = append(out, "ingress rule "+ruleText(rule))
	}
	add("VPC link", r.VPCLinkID, r.VPCLinkReused)
	add("REST API", r.RestAPIID, r.RestAPIReused)
	if r.RestAPIReused {
		add("resource /{proxy+}", r.ProxyResourceID, false)
		if len(r.RootMethods) > 0 {
			out = append(out, "methods "+strings.Join(r.RootMethods, ", ")+" of / in "+r.RestAPIID)
		}
		add("stage", r.Stage, false)
	}
	add("API key", r.APIKeyID, false)
	add("usage plan", r.UsagePlanID, false)
	for _, m := range Unrecorded(j) {
		out = append(out, "maybe "+m+": its create was stopped before the id was recorded")
	}
	return out
}
