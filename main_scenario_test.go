package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario is started only with a yes; started, its run is one status lists, and its brief
// names the run and the commands to try.
func TestDemoScenarioStartRegistersARunStatusLists(t *testing.T) {
	state := t.TempDir()
	if code, out, _ := vpclink(t, "demo", "scenario", "list"); code != 0 || !strings.Contains(out, "sg-blocks-nlb") || !strings.Contains(out, "half-made-by-hand") {
		t.Fatalf("scenario list: exit %d\n%s", code, out)
	}
	code, _, errOut := vpclink(t, "demo", "scenario", "start", "healthy", "--state-dir", state)
	if code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("start without a terminal or --yes: exit %d, %s; want 2 and a refusal naming --yes", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(state, "demo", "runs")); !os.IsNotExist(err) {
		t.Errorf("a refused start left runs: %v", err)
	}
	if code, _, errOut := vpclink(t, "demo", "scenario", "start", "no-such", "--yes", "--state-dir", state); code != 2 || !strings.Contains(errOut, "stopped-target") {
		t.Errorf("an unknown scenario: exit %d, %s; want 2 and the list of names", code, errOut)
	}
	code, brief, errOut := vpclink(t, "demo", "scenario", "start", "service-down", "--yes", "--state-dir", state)
	if code != 0 {
		t.Fatalf("start service-down: exit %d\n%s", code, errOut)
	}
	code, out, errOut := vpclink(t, "status", "--demo", "--state-dir", state, "--output", "json")
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	var st struct {
		Runs []struct {
			RunID, State, InvokeURL string
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Runs) != 1 || st.Runs[0].State != "complete" || st.Runs[0].InvokeURL == "" {
		t.Fatalf("status = %s, %v; want one complete run with an invoke URL", out, err)
	}
	for _, want := range []string{st.Runs[0].RunID, "vpclink check --demo --state-dir " + state + " " + st.Runs[0].RunID, "Students should find"} {
		if !strings.Contains(brief, want) {
			t.Errorf("brief %q lacks %q", brief, want)
		}
	}
	// A second scenario replaces the first: the account is reset and the old run forgotten.
	if code, _, errOut := vpclink(t, "demo", "scenario", "start", "healthy", "--yes", "--state-dir", state); code != 0 {
		t.Fatalf("start healthy: exit %d\n%s", code, errOut)
	}
	if code, out, _ := vpclink(t, "status", "--demo", "--state-dir", state, st.Runs[0].RunID); code == 0 {
		t.Errorf("the first scenario's run is still known: %s", out)
	}
}
