package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
)

// The demo chain with its targets never registered: scan says finish registers the
// instances named with --instances; finish without them refuses, naming the flag and the
// running instances; scan --plan leaves targets.instances to fill in, which apply then
// requires; finish --instances registers them, opens their groups and passes its check; and
// destroy deregisters them and leaves the hand-made target group empty as it was.
func TestFinishTargetsNeverRegisteredOnTheDemoAccount(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	ctx := context.Background()
	state := t.TempDir()
	const id = "nlb-" + sandbox.LegacyLoadBalancer
	acct := demoSandbox(t, state, "").Account()
	tg, err := acct.GetTargetGroup(ctx, sandbox.LegacyTargetGroup)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := acct.TargetHealth(ctx, tg.ARN)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	if err := acct.DeregisterTargets(ctx, tg.ARN, ids, 80); err != nil {
		t.Fatal(err)
	}

	code, out, _ := vpclink(t, "scan", "--demo", "--state-dir", state)
	if code != 0 || !strings.Contains(out, "finish would   register the instances named with --instances with "+sandbox.LegacyTargetGroup) ||
		!strings.Contains(out, "orders-api-1") {
		t.Errorf("scan says finish registers the instances named with --instances:\n%s", out)
	}
	code, _, errOut := vpclink(t, "finish", id, "--demo", "--state-dir", state, "--yes")
	if code != 2 || !strings.Contains(errOut, "--instances") || !strings.Contains(errOut, "orders-api-1") {
		t.Fatalf("finish without --instances: exit %d, want 2 naming the flag and the running instances\n%s", code, errOut)
	}

	file := filepath.Join(t.TempDir(), "fix.yaml")
	if code, _, errOut := vpclink(t, "scan", "--demo", "--state-dir", state, "--plan", id, "-o", file); code != 0 {
		t.Fatalf("scan --plan: exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), "# Fill in targets.instances") || !strings.Contains(string(b), "instances: []") {
		t.Fatalf("the plan leaves targets.instances to fill in: %v\n%s", err, b)
	}
	if code, _, errOut := vpclink(t, "apply", "-f", file, "--demo", "--state-dir", state, "--yes"); code != 2 || !strings.Contains(errOut, "targets.instances") || !strings.Contains(errOut, "required") {
		t.Errorf("apply -f of the unfilled plan: exit %d, want 2 saying targets.instances is required\n%s", code, errOut)
	}

	code, out, errOut = vpclink(t, "finish", id, "--instances", "orders-api-1,orders-api-2", "--demo", "--state-dir", state, "--yes", "--output", "json")
	var s struct{ RunID, State string }
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.State != "complete" || !strings.Contains(errOut, "Checking a request through the chain… ✔") {
		t.Fatalf("finish --instances: exit %d %+v\n%s\n%s", code, s, out, errOut)
	}
	if hs, err := acct.TargetHealth(ctx, tg.ARN); err != nil || len(hs) != 2 {
		t.Errorf("finish registered the two instances: %v %+v", err, hs)
	}
	if code, _, errOut := vpclink(t, "destroy", s.RunID, "--demo", "--state-dir", state, "--yes"); code != 0 ||
		!strings.Contains(errOut, " in "+sandbox.LegacyTargetGroup) || !strings.Contains(errOut, "Deregistering ") {
		t.Fatalf("destroy: exit %d, want it to name and deregister the targets finish registered\n%s", code, errOut)
	}
	if hs, err := acct.TargetHealth(ctx, tg.ARN); err != nil || len(hs) != 0 {
		t.Errorf("destroy deregistered what finish registered: %v %+v", err, hs)
	}
	if _, err := acct.GetTargetGroup(ctx, sandbox.LegacyTargetGroup); err != nil {
		t.Errorf("destroy leaves the hand-made target group: %v", err)
	}
}

// The demo chain with its security group never opened: scan says which addresses finish
// admits to which group; finish adds those rules and passes its check; destroy revokes them
// and leaves the targets registered as they were.
func TestFinishSecurityGroupNeverOpenedOnTheDemoAccount(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	ctx := context.Background()
	state := t.TempDir()
	const id = "nlb-" + sandbox.LegacyLoadBalancer
	acct := demoSandbox(t, state, "").Account()
	lb, err := acct.GetLoadBalancer(ctx, sandbox.LegacyLoadBalancer)
	if err != nil {
		t.Fatal(err)
	}
	rules := func() []string {
		sgs, err := acct.ListSecurityGroups(ctx, lb.VPCID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range sgs {
			for _, r := range g.Ingress {
				out = append(out, g.Name+" "+r.CIDR+" "+r.Description)
			}
		}
		return out
	}
	sgs, err := acct.ListSecurityGroups(ctx, lb.VPCID)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range sgs {
		for _, r := range g.Ingress {
			if r.Description == "legacy orders NLB" {
				if err := acct.RevokeIngress(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	before := rules()
	ips, err := acct.LoadBalancerIPs(ctx, lb.ARN)
	if err != nil || len(ips) == 0 {
		t.Fatalf("the load balancer's IPs: %v %v", ips, err)
	}

	code, out, _ := vpclink(t, "scan", "--demo", "--state-dir", state)
	if code != 0 || !strings.Contains(out, "missing        a security group rule that admits the load balancer") ||
		!strings.Contains(out, "finish would   admit "+ips[0]+"/32") || !strings.Contains(out, "to orders-api-sg (sg-") || !strings.Contains(out, "on port 80") {
		t.Errorf("scan says which addresses finish admits to which group:\n%s", out)
	}
	code, out, errOut := vpclink(t, "finish", id, "--demo", "--state-dir", state, "--yes", "--output", "json")
	var s struct{ RunID, State string }
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.State != "complete" || !strings.Contains(errOut, "Checking a request through the chain… ✔") {
		t.Fatalf("finish: exit %d %+v\n%s\n%s", code, s, out, errOut)
	}
	if len(rules()) <= len(before) {
		t.Errorf("finish added rules: before %v, after %v", before, rules())
	}
	if code, _, errOut := vpclink(t, "destroy", s.RunID, "--demo", "--state-dir", state, "--yes"); code != 0 {
		t.Fatalf("destroy: exit %d\n%s", code, errOut)
	}
	if after := rules(); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("destroy revokes the rules finish added, and only those:\n%v\n%v", before, after)
	}
	tg, err := acct.GetTargetGroup(ctx, sandbox.LegacyTargetGroup)
	if err != nil {
		t.Fatal(err)
	}
	if hs, err := acct.TargetHealth(ctx, tg.ARN); err != nil || len(hs) != 2 {
		t.Errorf("destroy leaves the hand-registered targets: %v %+v", err, hs)
	}
}
