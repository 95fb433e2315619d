package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

func TestTheREADMEsPolicyIsWhatIAMPolicyPrints(t *testing.T) {
	code, out, errOut := vpclink(t, "iam-policy")
	if code != 0 {
		t.Fatalf("iam-policy exit %d: %s", code, errOut)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### The permissions it needs\n")
	if !ok {
		t.Fatal(`README.md has no "### The permissions it needs" section`)
	}
	section, _, _ = strings.Cut(section, "\n### ")
	_, block, ok := strings.Cut(section, "```json\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatal("the README's permissions section has no ```json block")
	}
	if block != out {
		t.Errorf("the README's policy is not what `vpclink iam-policy` prints; paste this in its place:\n%s", out)
	}
}

func TestIAMPolicyNeedsNoCredentialsAndNarrowsToAPlan(t *testing.T) {
	t.Setenv("AWS_PROFILE", "no-such-profile")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	code, full, errOut := vpclink(t, "iam-policy", "--state-dir", t.TempDir())
	if code != 0 || !strings.Contains(full, "arn:aws:apigateway:*::/usageplans") {
		t.Fatalf("exit %d: %s%s", code, full, errOut)
	}
	code, out, errOut := vpclink(t, "iam-policy", "--plan", "examples/demo.yaml", "--region", "eu-west-1")
	var p awsops.Policy
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Version != "2012-10-17" {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if strings.Contains(out, "/usageplans") || strings.Contains(out, "/apikeys") || !strings.Contains(out, "arn:aws:apigateway:eu-west-1::/restapis") || strings.Contains(out, ":*::") {
		t.Errorf("the policy for examples/demo.yaml in eu-west-1:\n%s", out)
	}
	for name, args := range map[string][]string{
		"an argument":              {"iam-policy", "apply"},
		"a plan that is not there": {"iam-policy", "--plan", "nope.yaml"},
		"--plan for apply":         {"apply", "--plan", "examples/demo.yaml"},
	} {
		if code, _, errOut := vpclink(t, args...); code != 2 || !strings.Contains(errOut, "✘") {
			t.Errorf("%s: exit %d, %s", name, code, errOut)
		}
	}
}

// usePolicy writes p and makes the demo account enforce it.
func usePolicy(t *testing.T, p awsops.Policy) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(f, []byte(p.JSON()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VPCLINK_SANDBOX_POLICY", f)
}

func TestAPolicyWithoutAPIGatewayPOSTStopsApplyAndIAMPolicysOutputFixesIt(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	_, out, _ := vpclink(t, "iam-policy")
	var p awsops.Policy
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	withoutPOST := p
	withoutPOST.Statement = nil
	for _, st := range p.Statement {
		if !strings.Contains(strings.Join(st.Action, " "), "apigateway:POST") {
			withoutPOST.Statement = append(withoutPOST.Statement, st)
		}
	}
	usePolicy(t, withoutPOST)
	code, _, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes")
	if code != 1 || !strings.Contains(errOut, "is not authorized to perform: apigateway:POST") || !strings.Contains(errOut, "Try: allow apigateway:POST") ||
		!strings.Contains(errOut, "Rolled back") {
		t.Fatalf("apply without apigateway:POST: exit %d\n%s", code, errOut)
	}

	t.Setenv("VPCLINK_SANDBOX_POLICY", "")
	if code, _, _ := vpclink(t, "iam-policy", "--state-dir", state); code != 0 {
		t.Fatal("iam-policy failed")
	}
	usePolicy(t, p)
	code, _, errOut = vpclink(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes")
	if code != 0 {
		t.Fatalf("apply with iam-policy's output: exit %d\n%s", code, errOut)
	}
}

// summary applies plan on the demo account and returns its JSON summary.
func summary(t *testing.T, args ...string) map[string]string {
	t.Helper()
	code, out, errOut := vpclink(t, args...)
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v: exit %d, %v\n%s\n%s", args, code, err, out, errOut)
	}
	m := map[string]string{"exit": "0"}
	if code != 0 {
		m["exit"] = "failed: " + errOut
	}
	for k, v := range s {
		if str, ok := v.(string); ok {
			m[k] = str
		}
	}
	return m
}

func TestEachCommandRunsWithOnlyThePermissionsTheListGivesIt(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	dir := t.TempDir()
	for _, plan := range []string{"examples/demo.yaml", "examples/api-key.yaml", "examples/vpc-cidr.yaml", "reuse"} {
		t.Run(plan, func(t *testing.T) {
			state := t.TempDir()
			if plan == "reuse" {
				// A plan that reuses an NLB and a REST API: its policy creates neither.
				t.Setenv("VPCLINK_SANDBOX_POLICY", "")
				first := summary(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
				plan = filepath.Join(dir, "reuse.yaml")
				os.WriteFile(plan, []byte("name: orders-v2\nvpc: prod-vpc\nloadBalancer: {existing: "+first["loadBalancerArn"]+"}\n"+
					"api: {existing: "+first["restApiId"]+", methods: [ANY], authorization: NONE}\nstage: {name: v2}\n"), 0o600)
			}
			p, err := steps.LoadPlan(plan)
			if err != nil {
				t.Fatal(err)
			}
			scope := p.IAMScope()
			scope.Region = "us-east-1"
			policy := func(c awsops.Command) { usePolicy(t, awsops.PolicyFor([]awsops.Command{c}, scope)) }

			policy(awsops.CmdDryRun)
			if code, _, errOut := vpclink(t, "apply", "--demo", "--state-dir", state, "-f", plan, "--dry-run"); code != 0 {
				t.Fatalf("dry run: %s", errOut)
			}
			// A build that stops at the deployment is kept, then resumed.
			policy(awsops.CmdApply)
			t.Setenv("VPCLINK_SANDBOX_FAIL", "CreateDeployment")
			kept := summary(t, "apply", "--demo", "--state-dir", state, "-f", plan, "--yes", "--keep-on-failure", "--output", "json")
			t.Setenv("VPCLINK_SANDBOX_FAIL", "")
			if kept["state"] != "failed" || !strings.Contains(kept["error"], "deploy to stage") {
				t.Fatalf("the kept build: %v", kept)
			}
			policy(awsops.CmdResume)
			if s := summary(t, "resume", "--demo", "--state-dir", state, kept["runId"], "--yes", "--output", "json"); s["exit"] != "0" || s["state"] != "complete" {
				t.Fatalf("resume: %v", s)
			}
			policy(awsops.CmdStatusLive)
			if code, out, errOut := vpclink(t, "status", "--demo", "--state-dir", state, kept["runId"], "--live"); code != 0 {
				t.Fatalf("status --live: exit %d\n%s\n%s", code, out, errOut)
			}
			policy(awsops.CmdDestroy)
			if code, _, errOut := vpclink(t, "destroy", "--demo", "--state-dir", state, kept["runId"], "--yes"); code != 0 {
				t.Fatalf("destroy: %s", errOut)
			}
			// A build that fails is rolled back with apply's permissions.
			policy(awsops.CmdApply)
			t.Setenv("VPCLINK_SANDBOX_FAIL", "CreateDeployment")
			if s := summary(t, "apply", "--demo", "--state-dir", state, "-f", plan, "--yes", "--output", "json"); s["state"] != "rolled-back" {
				t.Fatalf("rollback: %v", s)
			}
			t.Setenv("VPCLINK_SANDBOX_FAIL", "")
			policy(awsops.CmdStatus)
			if code, _, errOut := vpclink(t, "status", "--demo", "--state-dir", state, kept["runId"]); code != 0 {
				t.Fatalf("status: %s", errOut)
			}
		})
	}
}
