package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// TestMain lets the test binary stand in for a second vpclink process: with
// VPCLINK_TEST_HOLD_RUN set, it holds that run as a runner does until its stdin closes.
func TestMain(m *testing.M) {
	if runID := os.Getenv("VPCLINK_TEST_HOLD_RUN"); runID != "" {
		os.Exit(holdRun(os.Getenv("VPCLINK_TEST_HOLD_DIR"), runID))
	}
	os.Exit(m.Run())
}

func holdRun(dir, runID string) int {
	r := &steps.Runner{Store: &steps.Store{Dir: dir}}
	if err := r.Lock(runID); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("holding", runID)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = r.Close()
	return 0
}

// applyKept applies examples/demo.yaml on the demo account with the deployment failing, keeps
// what was made, and returns the run id.
func applyKept(t *testing.T, state string, args ...string) string {
	t.Helper()
	t.Setenv("VPCLINK_SANDBOX_FAIL", "CreateDeployment")
	code, out, errOut := vpclink(t, append([]string{"apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--keep-on-failure", "--output", "json"}, args...)...)
	t.Setenv("VPCLINK_SANDBOX_FAIL", "")
	var s struct{ RunID, State string }
	if code != 1 || json.Unmarshal([]byte(out), &s) != nil || s.State != "failed" {
		t.Fatalf("apply exit %d: %s\n%s", code, out, errOut)
	}
	return s.RunID
}

// demoSandbox opens the demo account that `vpclink --demo --state-dir state` uses, in
// region ("" for the demo account's own).
func demoSandbox(t *testing.T, state, region string) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Dir: filepath.Join(state, "demo"), Region: region})
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

func demoInventory(t *testing.T, state, region string) sandbox.Inventory {
	t.Helper()
	return demoSandbox(t, state, region).Inventory()
}

func TestResumeAndDestroyWorkInTheRunsRegionWhateverRegionSays(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	seed := demoInventory(t, state, "eu-west-1")
	runID := applyKept(t, state, "--region", "eu-west-1")
	if demoInventory(t, state, "eu-west-1") == seed {
		t.Fatal("the kept run left nothing in eu-west-1")
	}
	code, out, errOut := vpclink(t, "resume", "--demo", "--region", "us-east-1", "--state-dir", state, runID, "--yes", "--output", "json")
	if code != 0 || !strings.Contains(out, `"state": "complete"`) || !strings.Contains(errOut, "Run "+runID+" was made in eu-west-1: working there, not in us-east-1 (--region)") {
		t.Fatalf("resume with --region us-east-1: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = vpclink(t, "status", "--demo", "--region", "us-east-1", "--state-dir", state, runID, "--live")
	if code != 0 || !strings.Contains(out, "Nothing drifted") || !strings.Contains(errOut, "working there, not in us-east-1") {
		t.Errorf("status --live with --region us-east-1: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = vpclink(t, "destroy", "--demo", "--region", "us-east-1", "--state-dir", state, runID, "--yes")
	if code != 0 || !strings.Contains(errOut, "Destroyed run") {
		t.Fatalf("destroy with --region us-east-1: exit %d\n%s", code, errOut)
	}
	if got := demoInventory(t, state, "eu-west-1"); got != seed {
		t.Errorf("eu-west-1 after destroy = %+v; want the seed's %+v (the run's resources are still there)", got, seed)
	}
}

func TestARunOfAnotherAccountIsRefusedNamingBoth(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	runID := applyKept(t, state)
	path := filepath.Join(state, "demo", "runs", runID+".json")
	j := &steps.Journal{}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, j) != nil {
		t.Fatalf("read journal: %v", err)
	}
	if j.Account != sandbox.AccountID || j.Region != "us-east-1" {
		t.Fatalf("the journal records account %q in region %q; want %s in us-east-1", j.Account, j.Region, sandbox.AccountID)
	}
	j.Account = "210987654321"
	if err := (&steps.Store{Dir: filepath.Join(state, "demo")}).Save(j); err != nil {
		t.Fatal(err)
	}
	before := demoInventory(t, state, "us-east-1")
	for _, args := range [][]string{{"resume", "--yes"}, {"destroy", "--yes"}, {"status", "--live"}, {"check"}} {
		code, _, errOut := vpclink(t, append(args, "--demo", "--state-dir", state, runID)...)
		want := "run " + runID + " belongs to account 210987654321, but these credentials are for account " + sandbox.AccountID
		if code != 2 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "Try: use credentials for account 210987654321") {
			t.Errorf("%s: exit %d\n%s\nwant exit 2 saying %q", strings.Join(args, " "), code, errOut, want)
		}
	}
	if after := demoInventory(t, state, "us-east-1"); after != before {
		t.Errorf("the refused commands changed the account: %+v, then %+v", before, after)
	}
}

// holder starts a second process that holds runID, and returns it once it does.
func holder(t *testing.T, dir, runID string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VPCLINK_TEST_HOLD_RUN="+runID, "VPCLINK_TEST_HOLD_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "holding "+runID+"\n" {
		t.Fatalf("the second process says %q", line)
	}
	return cmd, stdin
}

func TestARunInUseByAnotherProcessIsRefusedAtOnce(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	runID := applyKept(t, state)
	other, stdin := holder(t, filepath.Join(state, "demo"), runID)
	defer stdin.Close()

	journal := filepath.Join(state, "demo", "runs", runID+".json")
	before, _ := os.ReadFile(journal)
	want := fmt.Sprintf("run %s is in use by another vpclink process (pid %d); wait for it", runID, other.Process.Pid)
	for _, cmd := range []string{"resume", "destroy"} {
		code, _, errOut := vpclink(t, cmd, "--demo", "--state-dir", state, runID, "--yes")
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("%s while another process holds the run: exit %d\n%s\nwant exit 2 saying %q", cmd, code, errOut, want)
		}
	}
	if after, _ := os.ReadFile(journal); string(after) != string(before) {
		t.Errorf("the refused commands changed the journal")
	}
	info, err := os.Stat(filepath.Join(state, "demo", "runs", runID+".lock"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}

	// The other process dies without letting go: the system drops its lock with it.
	if err := other.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = other.Wait()
	code, out, errOut := vpclink(t, "resume", "--demo", "--state-dir", state, runID, "--yes", "--output", "json")
	if code != 0 || !strings.Contains(out, `"state": "complete"`) {
		t.Errorf("resume after the other process ended: exit %d\n%s\n%s", code, out, errOut)
	}
}
