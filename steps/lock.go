package steps

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// RunLock is one process's claim on a run: while it is held, no other vpclink process applies,
// resumes or destroys the run. It is an advisory lock on a .lock file next to the journal;
// the operating system drops it when the process ends, however it ends, so a crash never
// leaves a run locked.
type RunLock struct {
	runID string
	f     *flock.Flock
}

// InUseError says another vpclink process holds a run.
type InUseError struct {
	RunID string
	// PID is the process that holds the run, or 0 when it could not be read.
	PID int
}

// Error names the run and the process that holds it.
func (e *InUseError) Error() string {
	who := "another vpclink process"
	if e.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return fmt.Sprintf("run %s is in use by %s; wait for it or stop it (ctrl+c in its terminal)", e.RunID, who)
}

// RecommendActions says how to go on.
func (e *InUseError) RecommendActions() string {
	return "once the other vpclink has ended, do this again; `vpclink status " + e.RunID + "` shows where the run stands"
}

func (s *Store) lockPath(runID string) string { return filepath.Join(s.Dir, "runs", runID+".lock") }

// Lock claims a run for this process, or returns an *InUseError at once when another process
// holds it. The lock file (mode 0600) says which process holds it.
func (s *Store) Lock(runID string) (*RunLock, error) {
	if err := checkRunID(runID); err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Dir, "runs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	path := s.lockPath(runID)
	f := flock.New(path, flock.SetPermissions(0o600))
	ok, err := f.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock run %s: %w", runID, err)
	}
	if !ok {
		pid := 0
		if b, err := os.ReadFile(path); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		return nil, &InUseError{RunID: runID, PID: pid}
	}
	// The pid is only for the message another process shows; the lock is the flock itself.
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock run %s: %w", runID, err)
	}
	return &RunLock{runID: runID, f: f}, nil
}

// RunID is the run the lock holds.
func (l *RunLock) RunID() string { return l.runID }

// Unlock gives the run up. It may be called more than once.
func (l *RunLock) Unlock() error {
	if l == nil || !l.f.Locked() {
		return nil
	}
	// Clear the pid first, while the run is still held, so nobody names a process that let go.
	_ = os.Truncate(l.f.Path(), 0)
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("unlock run %s: %w", l.runID, err)
	}
	return nil
}

// IsInUse reports whether err says another process holds the run.
func IsInUse(err error) bool {
	var e *InUseError
	return errors.As(err, &e)
}

// Lock claims run runID for this runner, once: Apply, Rollback and NewJournal take it
// themselves, and a caller takes it first to refuse at once, before asking anything, when
// another process holds the run. The runner keeps it until Close. A runner without a Store
// has no journal to guard, and locks nothing.
func (r *Runner) Lock(runID string) error {
	if r.Store == nil {
		return nil
	}
	r.lockMu.Lock()
	defer r.lockMu.Unlock()
	if r.lock != nil && r.lock.runID == runID {
		return nil
	}
	if r.lock != nil {
		if err := r.lock.Unlock(); err != nil {
			return err
		}
		r.lock = nil
	}
	l, err := r.Store.Lock(runID)
	if err != nil {
		return err
	}
	r.lock = l
	return nil
}

// hold makes sure the runner holds run runID for one Apply or Rollback: a run the runner
// holds already (Lock, Open, NewJournal) stays held after it; one it takes here is given up
// when release is called.
func (r *Runner) hold(runID string) (release func(), err error) {
	r.lockMu.Lock()
	held := r.lock != nil && r.lock.runID == runID
	r.lockMu.Unlock()
	if held || r.Store == nil {
		return func() {}, nil
	}
	if err := r.Lock(runID); err != nil {
		return nil, err
	}
	return func() { _ = r.Close() }, nil
}

// Close gives up the run the runner holds, for another process (or runner) to take.
func (r *Runner) Close() error {
	r.lockMu.Lock()
	defer r.lockMu.Unlock()
	err := r.lock.Unlock()
	r.lock = nil
	return err
}
