package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestARegionThatIsNoAWSRegionIsRefusedBeforeAnyUse(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	root := t.TempDir()
	state := filepath.Join(root, "state")
	plan, err := os.ReadFile("examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hostile := filepath.Join(root, "hostile.yaml")
	os.WriteFile(hostile, append(plan, []byte("region: /../../../x\n")...), 0o600)
	tests := map[string]struct {
		args []string
		says string
	}{
		"a plan whose region is a path":      {args: []string{"apply", "--demo", "-f", hostile, "--yes"}, says: `region: "/../../../x" is not an AWS region`},
		"a --region AWS does not have":       {args: []string{"apply", "--demo", "-f", "examples/demo.yaml", "--yes", "--region", "mars-1"}, says: `--region: "mars-1" is not an AWS region`},
		"a --region that is a path":          {args: []string{"--demo", "--region", "../x", "status"}, says: "not an AWS region"},
		"demo reset of a region that is not": {args: []string{"demo", "reset", "--yes", "--region", "../../x"}, says: "not an AWS region"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := vpclink(t, append(tc.args, "--state-dir", state)...)
			if code != 2 || !strings.Contains(errOut, tc.says) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", code, errOut, tc.says)
			}
		})
	}
	var outside []string
	filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && path != hostile && !strings.HasPrefix(path, state+string(filepath.Separator)) {
			outside = append(outside, path)
		}
		return nil
	})
	if len(outside) > 0 {
		t.Errorf("files written outside the state directory: %v", outside)
	}
}

func TestResumeChecksTheJournalsPlanAsApplyChecksAPlanFile(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	t.Setenv("VPCLINK_SANDBOX_FAIL", "CreateDeployment")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/vpc-cidr.yaml", "--yes", "--keep-on-failure", "--output", "json")
	if code != 1 {
		t.Fatalf("apply exit %d\n%s", code, errOut)
	}
	var s struct{ RunID string }
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VPCLINK_SANDBOX_FAIL", "")
	path := filepath.Join(state, "demo", "runs", s.RunID+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	plan := j["plan"].(map[string]any)
	plan["tags"] = map[string]string{"aws:owner": "me"}
	plan["stage"].(map[string]any)["name"] = "dev stage; rm -rf /"
	b, _ = json.Marshal(j)
	os.WriteFile(path, b, 0o600)

	code, _, errOut = vpclink(t, "resume", "--demo", "--state-dir", state, s.RunID, "--yes")
	for _, want := range []string{"in the journal of " + s.RunID, "tags.aws:owner", "stage.name"} {
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("resume of an edited journal: exit %d, stderr:\n%s\nwant exit 2 naming %q", code, errOut, want)
		}
	}
	if strings.Contains(errOut, "Rolling back") || strings.Contains(errOut, "Creating") {
		t.Errorf("resume acted on an invalid plan:\n%s", errOut)
	}
}
