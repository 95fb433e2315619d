package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// vpclink check on the demo account: after apply, the latest run answers 200 through every
// hop (exit 0, in text and JSON); a run that is not there, a path without / and check
// before any run are usage errors (exit 2). apply says the check passed.
func TestCheckOnTheDemoAccount(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	code, _, errOut := vpclink(t, "check", "--demo", "--state-dir", state)
	if code != 2 || !strings.Contains(errOut, "no such run") {
		t.Errorf("check before any run: exit %d, %s", code, errOut)
	}
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	if code != 0 || !strings.Contains(errOut, "Checking a request through the chain… ✔ GET / reached the service: 200") {
		t.Fatalf("apply exit %d\n%s", code, errOut)
	}
	var s struct{ RunID string }
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("apply's JSON stays JSON: %v\n%s", err, out)
	}

	code, out, errOut = vpclink(t, "check", "--demo", "--state-dir", state, "--path", "/health", "--output", "json")
	var r struct {
		OK      bool   `json:"ok"`
		RunID   string `json:"runId"`
		Request struct {
			Path   string `json:"path"`
			Status int    `json:"status"`
			Body   string `json:"body"`
		} `json:"request"`
		Hops []struct {
			Hop    string `json:"hop"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
			Fix    string `json:"fix"`
		} `json:"hops"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.OK || r.RunID != s.RunID || r.Request.Path != "/health" || r.Request.Status != 200 || len(r.Hops) != 9 {
		t.Fatalf("check --output json: exit %d, %+v\n%s\n%s", code, r, out, errOut)
	}
	code, out, _ = vpclink(t, "--demo", "check", s.RunID, "--state-dir", state)
	if code != 0 || !strings.Contains(out, "✔ network-acls") || !strings.Contains(out, "✔ GET / reached the service: 200") {
		t.Errorf("check RUN: exit %d\n%s", code, out)
	}

	// A VPC link that went FAILED: exit 1, the hop named, and the resume that mends it.
	sb := demoSandbox(t, state, "")
	var st steps.RunStatus
	_, out, _ = vpclink(t, "status", s.RunID, "--demo", "--state-dir", state, "--output", "json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	linkID := ""
	for _, r := range st.Resources {
		if r.Kind == "vpc-link" {
			linkID = r.ID
		}
	}
	if linkID == "" {
		t.Fatalf("status names no VPC link:\n%s", out)
	}
	if err := sb.FailVPCLink(linkID, "NLB is not in the active state"); err != nil {
		t.Fatal(err)
	}
	code, out, _ = vpclink(t, "check", "--demo", "--state-dir", state)
	if code != 1 || !strings.Contains(out, "✘ Broken at vpc-link: "+linkID+" is FAILED (NLB is not in the active state)") ||
		!strings.Contains(out, "Try: vpclink resume --demo --state-dir "+state+" "+s.RunID) || !strings.Contains(out, "GET / answered 500") {
		t.Errorf("check of a FAILED link: exit %d\n%s", code, out)
	}

	for name, args := range map[string][]string{
		"a run that is not there": {"check", "orders-000000"},
		"a path without /":        {"check", "--path", "health"},
		"two runs":                {"check", s.RunID, s.RunID},
		"--path elsewhere":        {"status", "--path", "/health"},
	} {
		if code, _, errOut := vpclink(t, append(args, "--demo", "--state-dir", state)...); code != 2 {
			t.Errorf("%s: exit %d, %s; want 2", name, code, errOut)
		}
	}
}
