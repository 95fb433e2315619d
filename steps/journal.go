package steps

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/adrg/xdg"

	"github.com/vpclink/vpclink/awsops"
)

// Status is where one step stands.
type Status int

// The statuses of a step.
const (
	Pending Status = iota
	Running
	Done
	Failed
	Undone
	Skipped
)

var statusNames = []string{"pending", "running", "done", "failed", "undone", "skipped"}

// String names the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// IsFinal reports whether a step in this status will not run again in this run.
func (s Status) IsFinal() bool { return s == Done || s == Undone || s == Skipped }

// MarshalText writes the status's name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status's name.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown step status %q", b)
}

// RunState is where a whole run stands.
type RunState string

// The states of a run.
const (
	StateRunning     RunState = "running"
	StateComplete    RunState = "complete"
	StateFailed      RunState = "failed"      // stopped on an error, resources kept
	StateInterrupted RunState = "interrupted" // stopped by the user, resources kept
	StateRolledBack  RunState = "rolled-back"
	StateUndoFailed  RunState = "rollback-failed"
	// StateDestroying marks a run whose destroy has begun: saved before the first delete, it
	// stays when the destroy fails or is stopped, so the run shows as half-destroyed.
	StateDestroying RunState = "destroying"
	StateDestroyed  RunState = "destroyed"
)

// Unfinished reports whether a run can be resumed or destroyed.
func (s RunState) Unfinished() bool {
	return s == StateRunning || s == StateFailed || s == StateInterrupted || s == StateUndoFailed
}

// Deleting reports whether the run's resources are being or have been deleted: its API, if
// any is left, must not be offered as working.
func (s RunState) Deleting() bool {
	return s == StateDestroying || s == StateDestroyed || s == StateRolledBack
}

// StepRecord is one step's entry in the journal.
type StepRecord struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Status   Status    `json:"status"`
	Detail   string    `json:"detail,omitempty"`
	Error    string    `json:"error,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// Resources is every id a run resolved, created or reused. Secrets (an API key's value)
// are never stored here.
type Resources struct {
	VPCID       string   `json:"vpcId,omitempty"`
	VPCCIDR     string   `json:"vpcCidr,omitempty"`
	SubnetIDs   []string `json:"subnetIds,omitempty"`
	InstanceIDs []string `json:"instanceIds,omitempty"`

	TargetGroupARN     string        `json:"targetGroupArn,omitempty"`
	LoadBalancerARN    string        `json:"loadBalancerArn,omitempty"`
	LoadBalancerDNS    string        `json:"loadBalancerDns,omitempty"`
	LoadBalancerReused bool          `json:"loadBalancerReused,omitempty"`
	LoadBalancerIPs    []string      `json:"loadBalancerIps,omitempty"`
	ListenerARN        string        `json:"listenerArn,omitempty"`
	Registered         []string      `json:"registered,omitempty"`
	Ingress            []awsops.Rule `json:"ingress,omitempty"`
	// IngressShared are rules this run found in place and relies on, but did not create:
	// its undo leaves them to the run that made them (see shared.go).
	IngressShared []awsops.Rule `json:"ingressShared,omitempty"`
	// RegisteredIn is the target group of an adopted load balancer that the run registered
	// its targets in (or opened the groups for), and RegisteredPort their port: undo
	// deregisters from it, and leaves the group itself.
	RegisteredIn   string `json:"registeredIn,omitempty"`
	RegisteredPort int32  `json:"registeredPort,omitempty"`

	VPCLinkID     string `json:"vpcLinkId,omitempty"`
	VPCLinkReused bool   `json:"vpcLinkReused,omitempty"`
	// SupersededLinks are this run's VPC links that a new one replaced (FAILED, or not to the
	// run's load balancer) while the stage still named them, so AWS refused to delete them:
	// the deploy step deletes them once the stage names the new link, and undo deletes them.
	SupersededLinks []string `json:"supersededVpcLinks,omitempty"`

	RestAPIID       string   `json:"restApiId,omitempty"`
	RestAPIReused   bool     `json:"restApiReused,omitempty"`
	ProxyResourceID string   `json:"proxyResourceId,omitempty"`
	Methods         []string `json:"methods,omitempty"`
	RootMethods     []string `json:"rootMethods,omitempty"` // the methods this run put on /
	DeploymentID    string   `json:"deploymentId,omitempty"`
	Stage           string   `json:"stage,omitempty"`
	// StageExisted is set when a reused API had the stage before this run: undo keeps it,
	// pointing it back at its previous deployment and variables.
	StageExisted       bool              `json:"stageExisted,omitempty"`
	PreviousDeployment string            `json:"previousDeployment,omitempty"`
	PreviousVariables  map[string]string `json:"previousVariables,omitempty"`
	APIKeyID           string            `json:"apiKeyId,omitempty"`
	UsagePlanID        string            `json:"usagePlanId,omitempty"`

	// PreviousSettings are the stage's */* method settings (logging, data trace, metrics,
	// throttling) before this run changed them, set with StageExisted; nil in journals that
	// predate them, which leaves the settings as they are.
	PreviousSettings *awsops.MethodSettings `json:"previousSettings,omitempty"`
	// DeploymentIntent is saved before this run creates a deployment: a deployment described
	// as the run's (awsops.DeploymentDescription) is then this run's, recorded or not.
	DeploymentIntent bool `json:"deploymentIntent,omitempty"`
	// ProxyCreating is saved before this run creates /{proxy+} on a REST API: a /{proxy+}
	// found while it is set is this run's, even when its id never reached the journal.
	ProxyCreating bool `json:"proxyCreating,omitempty"`
}

// JournalVersion is the version of the journal format this vpclink writes and reads. A
// journal without a version was written before versions existed and is read as version 1.
const JournalVersion = 1

// Journal is the saved record of one run: the plan, each step's status and every resource.
type Journal struct {
	Version   int          `json:"version"`
	RunID     string       `json:"runId"`
	State     RunState     `json:"state"`
	Region    string       `json:"region"`
	Account   string       `json:"account,omitempty"`
	Demo      bool         `json:"demo,omitempty"`
	StartedAt time.Time    `json:"startedAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
	Plan      Plan         `json:"plan"`
	PlanFile  string       `json:"planFile,omitempty"`
	Steps     []StepRecord `json:"steps"`
	Resources Resources    `json:"resources"`
	Error     string       `json:"error,omitempty"`

	// Finding is the scan finding a `vpclink finish` run completes: its reused resources
	// were adopted, made by someone else, and its destroy leaves them.
	Finding string `json:"finding,omitempty"`
}

// Step returns the record of step id, or nil.
func (j *Journal) Step(id string) *StepRecord {
	for i := range j.Steps {
		if j.Steps[i].ID == id {
			return &j.Steps[i]
		}
	}
	return nil
}

// CheckPlan checks the run's plan as apply checks a plan file, with the same Validate, and
// its region: a journal is a file anyone may have edited, and resume acts on what it says.
func (j *Journal) CheckPlan() error {
	errs := j.Plan.Validate()
	if err := awsops.CheckRegion(j.Region); err != nil {
		errs = append(errs, &FieldError{Field: "(journal) region", Message: err.Error()})
	}
	if len(errs) > 0 {
		return &PlanError{Source: "in the journal of " + j.RunID, Errors: errs}
	}
	return nil
}

// InvokeURL is the URL of the deployed stage, once there is one; a run being destroyed, or
// gone, has none.
func (j *Journal) InvokeURL() string {
	if j.Resources.RestAPIID == "" || j.Resources.DeploymentID == "" || j.State.Deleting() {
		return ""
	}
	return awsops.InvokeURL(j.Resources.RestAPIID, j.Region, j.Resources.Stage)
}

// NewRunID makes a run id from the plan's name and random hex, e.g. orders-3f9a1c.
func NewRunID(name string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// Store keeps journals as files in a directory, one per run, mode 0600.
type Store struct {
	Dir string
	mu  sync.Mutex
}

// DefaultStateDir is vpclink's folder in the user's XDG state directory: $XDG_STATE_HOME/vpclink
// (an absolute path, as the XDG spec wants), else the platform's default: ~/.local/state/vpclink
// on Linux, ~/Library/Application Support/vpclink on macOS, %LOCALAPPDATA%\vpclink on Windows.
func DefaultStateDir() (string, error) {
	if !filepath.IsAbs(os.Getenv("XDG_STATE_HOME")) {
		if _, err := os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("find the state directory: %w; set XDG_STATE_HOME or pass --state-dir", err)
		}
	}
	return filepath.Join(xdg.StateHome, "vpclink"), nil
}

func (s *Store) path(runID string) string { return filepath.Join(s.Dir, "runs", runID+".json") }

// ErrNoRun says no journal has the run id asked for.
var ErrNoRun = errors.New("no such run")

// Save writes the journal atomically: a reader sees the old file or the new one, never half.
func (s *Store) Save(j *Journal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j.Version = JournalVersion
	j.UpdatedAt = time.Now().UTC()
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return fmt.Errorf("encode journal of %s: %w", j.RunID, err)
	}
	dir := filepath.Join(s.Dir, "runs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+j.RunID+"-*")
	if err != nil {
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	if err := os.Rename(tmp.Name(), s.path(j.RunID)); err != nil {
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	// The rename is durable only once the directory is: without this a power cut can bring
	// back the previous journal, and with it a resource the run created but no longer lists.
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("save journal of %s: %w", j.RunID, err)
	}
	return nil
}

// syncDir flushes a directory's entries (a rename into it) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// JournalError says why a run's journal cannot be read: the file is unreadable, is not a
// journal, or was written by a newer vpclink. Listing runs skips such a journal with a warning;
// commands on that very run fail with it.
type JournalError struct {
	RunID string
	Path  string
	// Version is the newer journal format's version, or 0 when the file is unreadable.
	Version int
	Err     error
}

// Error says which journal and what is wrong with it.
func (e *JournalError) Error() string {
	if e.Version > JournalVersion {
		return fmt.Sprintf("journal of %s (%s) was written by a newer vpclink (journal version %d; this vpclink reads up to %d); upgrade vpclink to use it", e.RunID, e.Path, e.Version, JournalVersion)
	}
	return fmt.Sprintf("read journal of %s (%s): %v", e.RunID, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *JournalError) Unwrap() error { return e.Err }

// RecommendActions says how to get past the journal.
func (e *JournalError) RecommendActions() string {
	if e.Version > JournalVersion {
		return "upgrade vpclink to the version that wrote this run, then run the command again"
	}
	return fmt.Sprintf("the file is damaged: restore it from a backup, or move it out of %s if the run's resources are gone (its resources carry the tag vpclink:run=%s)", filepath.Dir(e.Path), e.RunID)
}

// checkRunID refuses a run id that could name a file outside the runs folder: the journal
// and the lock are both named after it.
func checkRunID(runID string) error {
	if runID == "" || strings.ContainsAny(runID, `/\`) || strings.HasPrefix(runID, ".") {
		return fmt.Errorf("%w %q: run ids look like orders-3f9a1c; `vpclink status` lists them", ErrNoRun, runID)
	}
	return nil
}

// Load reads one run's journal. A journal it cannot use is a *JournalError.
func (s *Store) Load(runID string) (*Journal, error) {
	if err := checkRunID(runID); err != nil {
		return nil, err
	}
	path := s.path(runID)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s: `vpclink status` lists the runs there", ErrNoRun, runID, s.Dir)
	}
	if err != nil {
		return nil, &JournalError{RunID: runID, Path: path, Err: err}
	}
	// The version is read first: a newer format may not decode into this one at all.
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, &JournalError{RunID: runID, Path: path, Err: fmt.Errorf("not a journal: %w", err)}
	}
	if v.Version > JournalVersion {
		return nil, &JournalError{RunID: runID, Path: path, Version: v.Version}
	}
	j := &Journal{}
	if err := json.Unmarshal(b, j); err != nil {
		return nil, &JournalError{RunID: runID, Path: path, Err: fmt.Errorf("not a journal: %w", err)}
	}
	if j.Version == 0 {
		j.Version = 1
	}
	return j, nil
}

// List returns every readable run's journal, oldest first; Scan also names the ones skipped.
func (s *Store) List() ([]*Journal, error) {
	list, _, err := s.Scan()
	return list, err
}

// Scan returns every readable run's journal, oldest first, and a *JournalError for each
// journal it skipped (damaged, or written by a newer vpclink): one bad file never hides the
// other runs. The error is for the directory itself.
func (s *Store) Scan() ([]*Journal, []*JournalError, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "runs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list runs: %w", err)
	}
	var list []*Journal
	var skipped []*JournalError
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		j, err := s.Load(strings.TrimSuffix(name, ".json"))
		var je *JournalError
		switch {
		case errors.As(err, &je):
			skipped = append(skipped, je)
			continue
		case errors.Is(err, ErrNoRun):
			continue // removed since the directory was read, or a name that is no run id
		case err != nil:
			return nil, nil, err
		}
		list = append(list, j)
	}
	sort.SliceStable(list, func(a, b int) bool { return list[a].StartedAt.Before(list[b].StartedAt) })
	return list, skipped, nil
}

// Remove deletes a run's journal.
func (s *Store) Remove(runID string) error {
	if _, err := s.Load(runID); err != nil {
		return err
	}
	if err := os.Remove(s.path(runID)); err != nil {
		return fmt.Errorf("remove journal of %s: %w", runID, err)
	}
	return nil
}
