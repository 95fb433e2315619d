package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

func runState(t *testing.T, state, runID string) steps.RunState {
	t.Helper()
	j, err := (&steps.Store{Dir: filepath.Join(state, "demo")}).Load(runID)
	if err != nil {
		t.Fatal(err)
	}
	return j.State
}

func TestAFailingResumeKeepsTheRunUnlessAsked(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	runID := applyKept(t, state)

	// The deployment fails again on resume: the run the user kept stays kept.
	t.Setenv("VPCLINK_SANDBOX_FAIL", "CreateDeployment")
	code, _, errOut := vpclink(t, "resume", "--demo", "--state-dir", state, runID, "--yes")
	if code != 1 || !strings.Contains(errOut, "Kept what run "+runID+" created") || strings.Contains(errOut, "Rolling back") {
		t.Errorf("failing resume: exit %d\n%s\nwant exit 1, the run kept", code, errOut)
	}
	if got := runState(t, state, runID); got != steps.StateFailed {
		t.Errorf("after a failing resume the run is %s, want %s", got, steps.StateFailed)
	}

	code, _, errOut = vpclink(t, "resume", "--demo", "--state-dir", state, runID, "--yes", "--rollback-on-failure")
	if code != 1 || !strings.Contains(errOut, "Rolled back") {
		t.Errorf("failing resume --rollback-on-failure: exit %d\n%s", code, errOut)
	}
	if got := runState(t, state, runID); got != steps.StateRolledBack {
		t.Errorf("after resume --rollback-on-failure the run is %s, want %s", got, steps.StateRolledBack)
	}

	code, _, errOut = vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--rollback-on-failure")
	if code != 2 || !strings.Contains(errOut, "--rollback-on-failure is for vpclink resume") {
		t.Errorf("apply --rollback-on-failure: exit %d\n%s", code, errOut)
	}
}

func TestResumeShowsWhatExistsAndNeedsAYes(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	runID := applyKept(t, state)

	code, _, errOut := vpclink(t, "resume", "--demo", "--state-dir", state, runID)
	if code != 2 || !strings.Contains(errOut, "✘ resume: resume changes AWS resources and needs a yes") || !strings.Contains(errOut, "--yes") {
		t.Errorf("resume without --yes and without a terminal: exit %d\n%s\nwant exit 2 asking for --yes", code, errOut)
	}
	for _, want := range []string{"Run " + runID + " (failed) in us-east-1 holds:", "✔ load balancer " + runID + "-nlb: active",
		"✔ VPC link ", ": AVAILABLE", "✔ REST API ", "then builds: Deployment and stage."} {
		if !strings.Contains(errOut, want) {
			t.Errorf("resume shows:\n%s\nwant %q in it", errOut, want)
		}
	}
	if got := runState(t, state, runID); got != steps.StateFailed {
		t.Errorf("a refused resume changed the run to %s", got)
	}
	code, _, errOut = vpclink(t, "resume", "--demo", "--state-dir", state, runID, "--yes")
	if code != 0 {
		t.Errorf("resume --yes: exit %d\n%s", code, errOut)
	}
}

func TestAHalfDestroyedRunSaysSoUntilADestroyFinishesIt(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	var s struct{ RunID, InvokeURL string }
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("apply exit %d: %s", code, errOut)
	}
	t.Setenv("VPCLINK_SANDBOX_FAIL", "DeleteRestApi")
	code, _, errOut = vpclink(t, "destroy", "--demo", "--state-dir", state, s.RunID, "--yes")
	finish := "vpclink destroy --demo --state-dir " + state + " " + s.RunID
	if code != 1 || !strings.Contains(errOut, "Finish it:  "+finish) {
		t.Errorf("failing destroy: exit %d\n%s", code, errOut)
	}
	t.Setenv("VPCLINK_SANDBOX_FAIL", "")

	_, out, _ = vpclink(t, "status", "--demo", "--state-dir", state)
	if !strings.Contains(out, "destroying") || !strings.Contains(out, "half-destroyed; finish: "+finish) || strings.Contains(out, s.InvokeURL) {
		t.Errorf("status lists:\n%s\nwant the run destroying, with the command that finishes it and no invoke URL", out)
	}
	_, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, s.RunID)
	if !strings.Contains(out, "Run "+s.RunID+": destroying") || !strings.Contains(out, "half-destroyed") || !strings.Contains(out, "Finish it:  "+finish) || strings.Contains(out, "Invoke URL") {
		t.Errorf("status %s:\n%s", s.RunID, out)
	}
	_, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, "--output", "json")
	if strings.Contains(out, s.InvokeURL) || !strings.Contains(out, `"state": "destroying"`) {
		t.Errorf("status json:\n%s", out)
	}
	code, _, errOut = vpclink(t, "resume", "--demo", "--state-dir", state, s.RunID, "--yes")
	if code != 2 || !strings.Contains(errOut, "half-destroyed") || !strings.Contains(errOut, finish) {
		t.Errorf("resume of a half-destroyed run: exit %d\n%s", code, errOut)
	}
	code, _, errOut = vpclink(t, "destroy", "--demo", "--state-dir", state, s.RunID, "--yes")
	if code != 0 || !strings.Contains(errOut, "half-destroyed") || !strings.Contains(errOut, "Destroyed run") {
		t.Errorf("second destroy: exit %d\n%s", code, errOut)
	}
	if got := runState(t, state, s.RunID); got != steps.StateDestroyed {
		t.Errorf("after the second destroy the run is %s", got)
	}
}

// TestAStoppedCreateIsListedAndDestroyFindsIt edits a complete run's journal as a create
// stopped in flight leaves it (the VPC link exists, its id never reached the journal).
func TestAStoppedCreateIsListedAndDestroyFindsIt(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	var s struct{ RunID, VPCLinkID string }
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("apply exit %d: %s", code, errOut)
	}
	store := &steps.Store{Dir: filepath.Join(state, "demo")}
	j, err := store.Load(s.RunID)
	if err != nil {
		t.Fatal(err)
	}
	j.State, j.Resources.VPCLinkID = steps.StateInterrupted, ""
	j.Step(steps.IDVPCLink).Status = steps.Failed
	if err := store.Save(j); err != nil {
		t.Fatal(err)
	}
	_, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, s.RunID)
	if !strings.Contains(out, "maybe VPC link "+s.RunID+"-link (tag vpclink:run="+s.RunID+")") {
		t.Errorf("status does not list the VPC link whose create was stopped:\n%s", out)
	}
	code, _, errOut = vpclink(t, "destroy", "--demo", "--state-dir", state, s.RunID, "--yes")
	if code != 0 || !strings.Contains(errOut, "maybe VPC link") {
		t.Fatalf("destroy: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "Deleting VPC link "+s.VPCLinkID) {
		t.Errorf("destroy did not find the unrecorded link %s:\n%s", s.VPCLinkID, errOut)
	}
}

// TestSIGTERMStopsApplyAsCtrlCDoes runs apply in a real child process on the demo account
// and sends it SIGTERM while the load balancer provisions: it stops, rolls back (there is no
// terminal to ask) and exits 130, as it does on ctrl+c.
func TestSIGTERMStopsApplyAsCtrlCDoes(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vpclink")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	state := t.TempDir()
	cmd := exec.Command(bin, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes")
	cmd.Env = append(os.Environ(), "VPCLINK_DEMO_SPEED=0.05", "VPCLINK_SANDBOX_FAIL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var said []string
	sent := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		said = append(said, sc.Text())
		if !sent && strings.Contains(sc.Text(), "Waiting for load balancer") {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			sent = true
		}
	}
	err = cmd.Wait()
	all := strings.Join(said, "\n")
	if !sent {
		t.Fatalf("apply never waited for the load balancer:\n%s", all)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("after SIGTERM apply ended with %v, want exit code 130\n%s", err, all)
	}
	for _, want := range []string{"Interrupted.", "Rolled back: nothing of this run remains."} {
		if !strings.Contains(all, want) {
			t.Errorf("after SIGTERM apply said:\n%s\nwant %q", all, want)
		}
	}
}
