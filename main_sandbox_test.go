package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestACorruptDemoAccountNeverBlocksDemoReset(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	if code, _, errOut := vpclink(t, "status", "--demo", "--state-dir", state); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes"); code != 0 {
		t.Fatal(errOut)
	}
	account := filepath.Join(state, "demo", "sandbox-us-east-1.json")
	if err := os.WriteFile(account, []byte(`{"region": "us-east-1", "vpcs": [{"id": `), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes")
	if code == 0 || !strings.Contains(errOut, "vpclink demo reset") {
		t.Fatalf("apply on a corrupt demo account: exit %d, %s; want a failure naming demo reset", code, errOut)
	}
	code, _, errOut = vpclink(t, "demo", "reset", "--state-dir", state, "--yes")
	if code != 0 || !strings.Contains(errOut, "back to its seed") {
		t.Fatalf("demo reset of a corrupt account: exit %d, %s", code, errOut)
	}
	if code, _, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes"); code != 0 {
		t.Errorf("apply after the reset: exit %d, %s", code, errOut)
	}
}
