package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vpclink runs the command line with args and returns its exit code, stdout and stderr.
func vpclink(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestApplyStatusDestroyOnTheDemoAccount(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	if code != 0 {
		t.Fatalf("apply exit %d\n%s", code, errOut)
	}
	var s struct {
		RunID, State, InvokeURL, RestAPIID, Stage, VPCLinkID, LoadBalancerARN, LoadBalancerDNS, TargetGroupARN string
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if s.State != "complete" || s.Stage != "dev" || !strings.HasPrefix(s.InvokeURL, "https://"+s.RestAPIID+".execute-api.us-east-1.amazonaws.com/dev") ||
		s.VPCLinkID == "" || !strings.Contains(s.LoadBalancerARN, ":loadbalancer/net/") || s.TargetGroupARN == "" || s.LoadBalancerDNS == "" {
		t.Errorf("summary = %+v", s)
	}

	code, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, "--output", "json")
	var list struct {
		Runs []struct{ RunID, State, StartedAt string } `json:"runs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Runs) != 1 || list.Runs[0].RunID != s.RunID || list.Runs[0].State != "complete" || list.Runs[0].StartedAt == "" {
		t.Fatalf("status exit %d: %s", code, out)
	}
	info, err := os.Stat(filepath.Join(state, "demo", "runs", s.RunID+".json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("journal: %v, mode %v", err, info.Mode().Perm())
	}

	code, _, errOut = vpclink(t, "destroy", s.RunID, "--state-dir", state)
	if code != 2 || !strings.Contains(errOut, "add --demo") {
		t.Errorf("destroy without --demo: exit %d, %s", code, errOut)
	}
	code, _, errOut = vpclink(t, "destroy", "--demo", "--state-dir", state, s.RunID)
	if code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("destroy without --yes and without a terminal: exit %d, %s", code, errOut)
	}
	code, _, errOut = vpclink(t, "--demo", "destroy", "--state-dir", state, s.RunID, "--yes")
	if code != 0 || !strings.Contains(errOut, "Destroyed run") {
		t.Fatalf("destroy exit %d: %s", code, errOut)
	}
	_, out, _ = vpclink(t, "status", "--demo", "--state-dir", state, s.RunID)
	if !strings.Contains(out, "destroyed") {
		t.Errorf("status after destroy:\n%s", out)
	}
}

func TestAKeptFailureResumesFromTheCommandLine(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	t.Setenv("VPCLINK_SANDBOX_FAIL", "CreateDeployment")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--keep-on-failure", "--output", "json")
	if code != 1 || !strings.Contains(errOut, "Finish it:  vpclink resume --demo") {
		t.Fatalf("apply exit %d\n%s", code, errOut)
	}
	var s struct{ RunID, State, Next string }
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.State != "failed" || !strings.HasPrefix(s.Next, "vpclink resume --demo") {
		t.Fatalf("summary %s: %v", out, err)
	}
	t.Setenv("VPCLINK_SANDBOX_FAIL", "")
	code, out, errOut = vpclink(t, "resume", "--demo", "--state-dir", state, s.RunID, "--yes", "--output", "json")
	if code != 0 || !strings.Contains(out, `"state": "complete"`) || !strings.Contains(errOut, "Found load balancer") {
		t.Errorf("resume exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestBadInputGetsAClearErrorAndExitCode2(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nvpc: prod-vpc\nsubnets: [prod-private-a]\ntargets: {instances: [orders-api-1]}\napi: {methods: [FETCH]}\n"), 0o600)
	tests := map[string]struct {
		args []string
		says string
	}{
		"an unknown command":                  {args: []string{"deploy"}, says: `unknown command "deploy"`},
		"apply without a plan":                {args: []string{"apply", "--demo"}, says: "apply takes a plan"},
		"a plan file that is not there":       {args: []string{"apply", "--demo", "-f", "nope.yaml"}, says: "open plan"},
		"a plan with a bad field":             {args: []string{"apply", "--demo", "-f", bad}, says: "api.methods"},
		"a bad output format":                 {args: []string{"status", "--output", "xml"}, says: "use text or json"},
		"resume of a run that does not exist": {args: []string{"resume", "--demo", "orders-000000"}, says: "vpclink status"},
		"the wizard without a terminal":       {args: []string{"--demo"}, says: "vpclink apply -f PLAN --yes"},
		"apply without --yes and no terminal": {args: []string{"apply", "--demo", "-f", "examples/demo.yaml"}, says: "with --yes"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := vpclink(t, append(tc.args, "--state-dir", t.TempDir())...)
			if code != 2 || !strings.Contains(errOut, tc.says) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", code, errOut, tc.says)
			}
		})
	}
}

func TestDemoResetPutsTheSeedBack(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	if code, _, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/vpc-cidr.yaml", "--yes"); code != 0 {
		t.Fatal(errOut)
	}
	code, _, errOut := vpclink(t, "demo", "reset", "--state-dir", state, "--yes")
	if code != 0 || !strings.Contains(errOut, "1 demo run(s) forgotten") {
		t.Fatalf("reset exit %d: %s", code, errOut)
	}
	_, out, _ := vpclink(t, "status", "--demo", "--state-dir", state)
	if !strings.Contains(out, "No runs") {
		t.Errorf("status after reset: %s", out)
	}
}

func TestDryRunShowsTheAWSCLIAndChangesNothing(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	code, out, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/api-key.yaml", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"aws elbv2 create-load-balancer --region us-east-1 --name \"$RUN\"-nlb --type network --scheme internal",
		"aws apigateway put-integration", "--connection-type VPC_LINK", "aws apigateway create-usage-plan",
		"VPC_ID=vpc-0", "--query 'TargetGroups[0].TargetGroupArn' --output text", "--subnets subnet-0", "--targets Id=i-0"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run does not print %q:\n%s", want, out)
		}
	}
	_, status, _ := vpclink(t, "status", "--demo", "--state-dir", state)
	if !strings.Contains(status, "No runs") {
		t.Errorf("a dry run started a run:\n%s", status)
	}
}
