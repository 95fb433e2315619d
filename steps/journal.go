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
	StateDestroyed   RunState = "destroyed"
)

// Unfinished reports whether a run can be resumed or destroyed.
func (s RunState) Unfinished() bool {
	return s == StateRunning || s == StateFailed || s == StateInterrupted || s == StateUndoFailed
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

	VPCLinkID     string `json:"vpcLinkId,omitempty"`
	VPCLinkReused bool   `json:"vpcLinkReused,omitempty"`

	RestAPIID       string   `json:"restApiId,omitempty"`
	RestAPIReused   bool     `json:"restApiReused,omitempty"`
	ProxyResourceID string   `json:"proxyResourceId,omitempty"`
	Methods         []string `json:"methods,omitempty"`
	DeploymentID    string   `json:"deploymentId,omitempty"`
	Stage           string   `json:"stage,omitempty"`
	// StageExisted is set when a reused API had the stage before this run: undo keeps it,
	// pointing it back at its previous deployment and variables.
	StageExisted       bool              `json:"stageExisted,omitempty"`
	PreviousDeployment string            `json:"previousDeployment,omitempty"`
	PreviousVariables  map[string]string `json:"previousVariables,omitempty"`
	APIKeyID           string            `json:"apiKeyId,omitempty"`
	UsagePlanID        string            `json:"usagePlanId,omitempty"`
}

// Journal is the saved record of one run: the plan, each step's status and every resource.
type Journal struct {
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

// InvokeURL is the URL of the deployed stage, once there is one.
func (j *Journal) InvokeURL() string {
	if j.Resources.RestAPIID == "" || j.Resources.DeploymentID == "" {
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

// DefaultStateDir is $XDG_STATE_HOME/vpclink, or ~/.local/state/vpclink.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "vpclink"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the state directory: %w; pass --state-dir", err)
	}
	return filepath.Join(home, ".local", "state", "vpclink"), nil
}

func (s *Store) path(runID string) string { return filepath.Join(s.Dir, "runs", runID+".json") }

// ErrNoRun says no journal has the run id asked for.
var ErrNoRun = errors.New("no such run")

// Save writes the journal atomically: a reader sees the old file or the new one, never half.
func (s *Store) Save(j *Journal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	return nil
}

// Load reads one run's journal.
func (s *Store) Load(runID string) (*Journal, error) {
	if runID == "" || strings.ContainsAny(runID, `/\`) || strings.HasPrefix(runID, ".") {
		return nil, fmt.Errorf("%w %q: run ids look like orders-3f9a1c; `vpclink status` lists them", ErrNoRun, runID)
	}
	b, err := os.ReadFile(s.path(runID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s: `vpclink status` lists the runs there", ErrNoRun, runID, s.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read journal of %s: %w", runID, err)
	}
	j := &Journal{}
	if err := json.Unmarshal(b, j); err != nil {
		return nil, fmt.Errorf("read journal of %s: %w", runID, err)
	}
	return j, nil
}

// List returns every run's journal, oldest first.
func (s *Store) List() ([]*Journal, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "runs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var list []*Journal
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		j, err := s.Load(strings.TrimSuffix(name, ".json"))
		if err != nil {
			return nil, err
		}
		list = append(list, j)
	}
	sort.SliceStable(list, func(a, b int) bool { return list[a].StartedAt.Before(list[b].StartedAt) })
	return list, nil
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
