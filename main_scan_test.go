package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

type scanJSON struct {
	Findings []struct {
		ID      string          `json:"id"`
		Summary string          `json:"summary"`
		Exists  json.RawMessage `json:"exists"`
		Missing []string        `json:"missing"`
		Broken  []string        `json:"broken"`
		Run     string          `json:"run"`
	} `json:"findings"`
}

func scanOf(t *testing.T, state string) scanJSON {
	t.Helper()
	code, out, errOut := vpclink(t, "scan", "--demo", "--state-dir", state, "--output", "json")
	var s scanJSON
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("scan: exit %d\n%s\n%s", code, out, errOut)
	}
	return s
}

// The trainer's story on the demo account: scan finds the seed's hand-made chain and names
// the stage variables it lacks; finish adopts the NLB, link, API and stage and sets the
// variables (apply's JSON summary); scan then shows the chain whole and linked to the run;
// check passes; destroy says which resources it leaves as adopted and leaves them, and the
// chain lacks its variables again. scan --plan writes a plan that apply -f finishes alike.
func TestScanFinishCheckDestroyOnTheDemoAccount(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	const id = "nlb-legacy-orders-nlb"
	before := scanOf(t, state)
	if len(before.Findings) != 1 || before.Findings[0].ID != id || before.Findings[0].Run != "" ||
		!slices.Contains(before.Findings[0].Missing, "stage variables VPCLink, VPCNLB on stage prod of API "+apiOf(t, before.Findings[0].Exists)) {
		t.Fatalf("scan of the seed: %+v", before)
	}
	code, out, _ := vpclink(t, "scan", "--demo", "--state-dir", state)
	if code != 0 || !strings.Contains(out, "! "+id) || !strings.Contains(out, "Finish it:     vpclink finish --demo --state-dir "+state+" "+id) {
		t.Errorf("scan's text names the finding and the command that finishes it:\n%s", out)
	}

	code, out, errOut := vpclink(t, "finish", id, "--demo", "--state-dir", state, "--yes", "--output", "json")
	var s struct{ RunID, State, InvokeURL, RestAPIID, VPCLinkID string }
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.State != "complete" || s.RestAPIID != apiOf(t, before.Findings[0].Exists) ||
		!strings.Contains(s.InvokeURL, s.RestAPIID) || !strings.HasSuffix(s.InvokeURL, "/prod") {
		t.Fatalf("finish: exit %d %+v\n%s\n%s", code, s, out, errOut)
	}
	if !strings.Contains(errOut, "Load balancer  reuse legacy-orders-nlb") || !strings.Contains(errOut, "Checking a request through the chain… ✔") {
		t.Errorf("finish shows apply's plan and check:\n%s", errOut)
	}
	whole := scanOf(t, state)
	if len(whole.Findings) != 1 || len(whole.Findings[0].Missing) != 0 || len(whole.Findings[0].Broken) != 0 || whole.Findings[0].Run != s.RunID {
		t.Fatalf("after finish the chain is whole and names run %s: %+v", s.RunID, whole)
	}
	var j struct {
		Finding string `json:"finding"`
	}
	b, err := os.ReadFile(filepath.Join(state, "demo", "runs", s.RunID+".json"))
	if err != nil || json.Unmarshal(b, &j) != nil || j.Finding != id {
		t.Errorf("the journal names the finding it finished: %v %+v", err, j)
	}
	if code, out, _ := vpclink(t, "check", s.RunID, "--demo", "--state-dir", state); code != 0 {
		t.Errorf("check after finish: exit %d\n%s", code, out)
	}
	code, _, errOut = vpclink(t, "destroy", s.RunID, "--demo", "--state-dir", state, "--yes")
	if code != 0 || !strings.Contains(errOut, "leaving load balancer legacy-orders-nlb with its listeners, target groups and targets (adopted)") ||
		!strings.Contains(errOut, "leaving VPC link "+s.VPCLinkID+" (adopted)") || !strings.Contains(errOut, "leaving REST API "+s.RestAPIID+" (adopted)") {
		t.Fatalf("destroy: exit %d\n%s", code, errOut)
	}
	after := scanOf(t, state)
	if len(after.Findings) != 1 || !reflect.DeepEqual(after.Findings[0].Missing, before.Findings[0].Missing) || after.Findings[0].Run != "" {
		t.Errorf("destroy gives the chain back as it was found:\n%+v\n%+v", before, after)
	}

	// scan --plan writes the same fix as a plan; apply -f of it finishes the chain alike.
	file := filepath.Join(t.TempDir(), "fix.yaml")
	if code, _, errOut := vpclink(t, "scan", "--demo", "--state-dir", state, "--plan", id, "-o", file); code != 0 {
		t.Fatalf("scan --plan: exit %d\n%s", code, errOut)
	}
	p, err := steps.LoadPlan(file)
	if err != nil || p.LoadBalancer.Existing == "" || p.VPCLink.Existing != s.VPCLinkID || p.API.Existing != s.RestAPIID || p.Stage.Name != "prod" {
		t.Fatalf("the plan adopts the chain: %+v, %v", p, err)
	}
	code, out, errOut = vpclink(t, "apply", "-f", file, "--demo", "--state-dir", state, "--yes", "--output", "json")
	var s2 struct{ RunID, State, InvokeURL string }
	if code != 0 || json.Unmarshal([]byte(out), &s2) != nil || s2.State != "complete" || s2.InvokeURL != s.InvokeURL {
		t.Fatalf("apply -f of the scan's plan: exit %d %+v\n%s", code, s2, errOut)
	}
	again := scanOf(t, state)
	if len(again.Findings) != 1 || len(again.Findings[0].Missing) != 0 || again.Findings[0].Run != s2.RunID {
		t.Errorf("apply -f of the plan finishes the chain as finish did: %+v", again)
	}

	// --include-adopted deletes the hand-made parts too, after the run's own.
	code, _, errOut = vpclink(t, "destroy", s2.RunID, "--demo", "--state-dir", state, "--yes", "--include-adopted")
	if code != 0 || !strings.Contains(errOut, "Deleting adopted load balancer legacy-orders-nlb.") {
		t.Fatalf("destroy --include-adopted: exit %d\n%s", code, errOut)
	}
	if gone := scanOf(t, state); len(gone.Findings) != 0 {
		t.Errorf("after destroy --include-adopted no chain is left: %+v", gone)
	}

	for name, args := range map[string][]string{
		"--include-adopted elsewhere": {"status", "--include-adopted"},
		"finish without an id":        {"finish"},
		"finish of an unknown id":     {"finish", "nlb-nothing"},
		"-o without --plan":           {"scan", "-o", file},
		"scan with an argument":       {"scan", id},
	} {
		if code, _, errOut := vpclink(t, append(args, "--demo", "--state-dir", state)...); code != 2 || !strings.Contains(errOut, "Try:") {
			t.Errorf("%s: exit %d, want 2 with a Try line\n%s", name, code, errOut)
		}
	}
}

func apiOf(t *testing.T, exists json.RawMessage) string {
	t.Helper()
	var e struct {
		APIs []struct{ ID string } `json:"apis"`
	}
	if err := json.Unmarshal(exists, &e); err != nil || len(e.APIs) != 1 {
		t.Fatalf("exists %s: %v", exists, err)
	}
	return e.APIs[0].ID
}
