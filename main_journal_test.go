package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestABadJournalNeverBlocksStatusOrDemoReset(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	if code != 0 {
		t.Fatalf("apply exit %d\n%s", code, errOut)
	}
	var s struct{ RunID string }
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(state, "demo", "runs")
	os.WriteFile(filepath.Join(runs, "orders-badbad.json"), []byte(`{"runId": "orders-badbad", "sta`), 0o600)
	os.WriteFile(filepath.Join(runs, "orders-future.json"), []byte(`{"version": 7, "runId": "orders-future"}`), 0o600)

	code, out, errOut = vpclink(t, "status", "--demo", "--state-dir", state)
	if code != 0 || !strings.Contains(out, s.RunID) {
		t.Errorf("status exit %d; want 0 listing %s:\n%s\n%s", code, s.RunID, out, errOut)
	}
	for _, want := range []string{"skipped run orders-badbad", "skipped run orders-future", "written by a newer vpclink"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("status does not warn %q:\n%s", want, errOut)
		}
	}
	code, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, "--output", "json")
	var list struct {
		Runs       []struct{ RunID string } `json:"runs"`
		Unreadable []struct{ RunID, Path, Error string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Runs) != 1 || len(list.Unreadable) != 2 {
		t.Errorf("status --output json exit %d:\n%s", code, out)
	}

	tests := map[string]struct {
		args []string
		says string
	}{
		"status of the newer run":    {args: []string{"status", "orders-future"}, says: "written by a newer vpclink"},
		"resume of the newer run":    {args: []string{"resume", "orders-future", "--yes"}, says: "upgrade vpclink"},
		"destroy of the newer run":   {args: []string{"destroy", "orders-future", "--yes"}, says: "upgrade vpclink"},
		"status of the damaged run":  {args: []string{"status", "orders-badbad"}, says: "read journal of orders-badbad"},
		"resume of the damaged run":  {args: []string{"resume", "orders-badbad", "--yes"}, says: "the file is damaged"},
		"destroy of the damaged run": {args: []string{"destroy", "orders-badbad", "--yes"}, says: "orders-badbad.json"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := vpclink(t, append(tc.args, "--demo", "--state-dir", state)...)
			if code == 0 || !strings.Contains(errOut, tc.says) {
				t.Errorf("exit %d, stderr:\n%s\nwant a failure saying %q", code, errOut, tc.says)
			}
		})
	}

	code, _, errOut = vpclink(t, "demo", "reset", "--state-dir", state, "--yes")
	if code != 0 || !strings.Contains(errOut, "1 demo run(s) forgotten") || !strings.Contains(errOut, "skipped run orders-badbad") {
		t.Errorf("demo reset exit %d: %s", code, errOut)
	}
}
