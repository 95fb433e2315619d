package steps_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// startScenario starts a scenario on a demo account kept in a fresh directory, at speed 0.
func startScenario(t *testing.T, name string) (*sandbox.Sandbox, *steps.Store, *steps.ScenarioRun) {
	t.Helper()
	dir := t.TempDir()
	sb, err := sandbox.New(sandbox.Options{Dir: dir, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := steps.FindScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	store := &steps.Store{Dir: dir}
	run, err := steps.StartScenario(context.Background(), sb, store, sc)
	if err != nil {
		t.Fatalf("start scenario %s: %v", name, err)
	}
	return sb, store, run
}

// Each scenario with a chain registers a run, and a request to the run's invoke URL answers
// as AWS answers for what the scenario broke.
func TestEachScenarioAnswersAsAWSDoesForWhatItBroke(t *testing.T) {
	const configError = "Execution failed due to configuration error"
	for name, c := range map[string]struct {
		status int
		body   string
		log    string
	}{
		"healthy":                 {200, `"orders":[{"id":"1001"`, "Received response. Status: 200"},
		"sg-blocks-nlb":           {504, `{"message": "Endpoint request timed out"}`, "Execution failed due to a timeout error"},
		"nacl-deny":               {504, `{"message": "Endpoint request timed out"}`, "Execution failed due to a timeout error"},
		"service-down":            {500, `{"message": "Internal server error"}`, configError + ": There was an internal error while executing your request"},
		"wrong-port":              {500, `{"message": "Internal server error"}`, configError + ": There was an internal error while executing your request"},
		"stopped-target":          {500, `{"message": "Internal server error"}`, configError + ": There was an internal error while executing your request"},
		"link-failed":             {500, `{"message": "Internal server error"}`, configError + ": VPC link"},
		"stage-variables-missing": {500, `{"message": "Internal server error"}`, configError + ": Invalid VPC link identifier specified"},
	} {
		t.Run(name, func(t *testing.T) {
			sb, store, run := startScenario(t, name)
			if run.Journal == nil {
				t.Fatal("the scenario registered no run")
			}
			runs, err := store.List()
			if err != nil || len(runs) != 1 || runs[0].RunID != run.Journal.RunID || runs[0].State != steps.StateComplete {
				t.Fatalf("runs = %v, %v; want the scenario's run %s, complete", runs, err, run.Journal.RunID)
			}
			if !strings.HasSuffix(run.Journal.InvokeURL(), "/"+run.Journal.Resources.Stage) {
				t.Errorf("invoke URL %q; want one on the stage", run.Journal.InvokeURL())
			}
			resp, err := sb.Invoke(run.Journal.Resources.RestAPIID, run.Journal.Resources.Stage, sandbox.Request{Method: "GET", Path: "/orders"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status || !strings.Contains(resp.Body, c.body) || !strings.Contains(strings.Join(resp.Log, "\n"), c.log) {
				t.Errorf("GET /orders = %d %s\nlog:\n%s\nwant %d with %s, logging %q", resp.Status, resp.Body, strings.Join(resp.Log, "\n"), c.status, c.body, c.log)
			}
		})
	}
}

// Each breakage shows where a student would look for it: target health, the link's status.
func TestScenariosBreakTheHopTheyName(t *testing.T) {
	ctx := context.Background()
	for name, want := range map[string]string{
		"healthy":        "healthy",
		"sg-blocks-nlb":  "unhealthy Target.FailedHealthChecks",
		"nacl-deny":      "unhealthy Target.FailedHealthChecks",
		"service-down":   "unhealthy Target.FailedHealthChecks",
		"wrong-port":     "unhealthy Target.FailedHealthChecks",
		"stopped-target": "unused Target.InvalidState",
	} {
		t.Run(name, func(t *testing.T) {
			sb, _, run := startScenario(t, name)
			health, err := sb.Account().TargetHealth(ctx, run.Journal.Resources.TargetGroupARN)
			if err != nil || len(health) != 2 {
				t.Fatalf("target health = %+v, %v", health, err)
			}
			for _, h := range health {
				if got := strings.TrimSpace(h.State + " " + h.Reason); got != want {
					t.Errorf("target %s: %s; want %s", h.ID, got, want)
				}
			}
		})
	}
	sb, _, run := startScenario(t, "link-failed")
	link, err := sb.Account().GetVPCLink(ctx, run.Journal.Resources.VPCLinkID)
	if err != nil || link.Status != "FAILED" || !strings.Contains(link.StatusMessage, "insufficient free IP addresses") {
		t.Errorf("link-failed: VPC link %+v, %v; want FAILED with AWS's statusMessage", link, err)
	}
}

// no-cloudwatch-role prepares a plan that turns on logging in a region without the
// CloudWatch Logs role; the preflight refuses it, so nothing is built.
func TestNoCloudWatchRoleScenarioPreparesAPlanThePreflightRefuses(t *testing.T) {
	sb, store, run := startScenario(t, "no-cloudwatch-role")
	if run.Journal != nil || run.PlanFile == "" {
		t.Fatalf("run %+v; want a plan file and no run", run)
	}
	p, err := steps.LoadPlan(run.PlanFile)
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	res, err := steps.Resolve(context.Background(), acct, p)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := steps.Preflight(context.Background(), acct, p, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed := checks.Failed()
	if len(failed) != 1 || !strings.Contains(failed[0].Message+failed[0].Fix, "CloudWatch") {
		t.Errorf("preflight failures = %+v; want one about the CloudWatch Logs role", failed)
	}
	if runs, _ := store.List(); len(runs) != 0 {
		t.Errorf("runs = %v; want none", runs)
	}
}

// half-made-by-hand leaves the pieces a person following the console guide makes before the
// API, without vpclink's tags and without a run.
func TestHalfMadeByHandScenarioLeavesUntaggedPiecesAndNoRun(t *testing.T) {
	sb, store, run := startScenario(t, "half-made-by-hand")
	if run.Journal != nil || run.LoadBalancerARN == "" || run.VPCLinkID == "" {
		t.Fatalf("run %+v; want no journal, a load balancer and a VPC link", run)
	}
	if runs, _ := store.List(); len(runs) != 0 {
		t.Errorf("runs = %v; want none", runs)
	}
	inv := sb.Inventory()
	if inv.LoadBalancers != 1 || inv.TargetGroups != 1 || inv.Listeners != 1 || inv.Targets != 2 || inv.VPCLinks != 1 || inv.RestAPIs != 0 {
		t.Errorf("inventory %+v; want an NLB, a target group, a listener, 2 targets, a VPC link and no API", inv)
	}
	acct := sb.Account()
	// The seed's own hand-made chain is there too; the scenario's is the one it names.
	lbs, err := acct.ListLoadBalancers(context.Background(), "")
	if err != nil || len(lbs) != 2 || !slices.ContainsFunc(lbs, func(lb awsops.LoadBalancer) bool { return lb.ARN == run.LoadBalancerARN }) {
		t.Fatalf("load balancers = %+v, %v; want the seed's and %s", lbs, err, run.LoadBalancerARN)
	}
	tags, err := acct.Tags(context.Background(), run.LoadBalancerARN)
	if _, tagged := tags[awsops.TagRun]; err != nil || tagged {
		t.Errorf("load balancer tags %v, %v; want no %s", tags, err, awsops.TagRun)
	}
}

// nacl-deny moves the targets' subnets to a network ACL that denies the load balancer: check
// names network-acls (the unhealthy targets are its symptom), the request times out, and the
// brief gives the AWS CLI that puts the subnets back on the default ACL, which mends it.
func TestNaclDenyScenarioIsFoundAtTheNetworkACLs(t *testing.T) {
	ctx := context.Background()
	sb, _, run := startScenario(t, "nacl-deny")
	acct := sb.Account()
	r, err := steps.CheckRun(ctx, acct, run.Journal, "/orders")
	if err != nil {
		t.Fatal(err)
	}
	acl := r.Hop(steps.HopNetworkACLs)
	if r.OK || r.Broken != steps.HopNetworkACLs || acl == nil || acl.OK || !strings.Contains(acl.Detail, "rule 100 denies it") ||
		!strings.Contains(acl.Fix, "aws ec2 create-network-acl-entry") || r.Request.Status != 504 {
		t.Fatalf("check = ok %v, broken %q, network-acls %+v, status %d; want network-acls broken by rule 100 and a 504", r.OK, r.Broken, acl, r.Request.Status)
	}
	if sg := r.Hop(steps.HopSecurityGroups); sg == nil || !sg.OK {
		t.Errorf("security-groups %+v; want ok: only the network ACL blocks", sg)
	}
	find := run.Scenario.Find
	if !strings.Contains(find, "vpclink resume cannot mend it") || strings.Count(find, "aws ec2 replace-network-acl-association --association-id aclassoc-") != 2 {
		t.Fatalf("brief says %q; want resume ruled out and one replace-network-acl-association a subnet, with its ids", find)
	}

	// Run the brief's commands as a person would.
	e := acct.EC2.(interface {
		ReplaceNetworkAclAssociation(context.Context, *ec2.ReplaceNetworkAclAssociationInput, ...func(*ec2.Options)) (*ec2.ReplaceNetworkAclAssociationOutput, error)
	})
	cmd := regexp.MustCompile(`--association-id (\S+) --network-acl-id (acl-[0-9a-f]+)`)
	for _, m := range cmd.FindAllStringSubmatch(find, -1) {
		if _, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(m[1]), NetworkAclId: aws.String(m[2])}); err != nil {
			t.Fatalf("the brief's fix %s: %v", m[0], err)
		}
	}
	if r, err := steps.CheckRun(ctx, acct, run.Journal, "/orders"); err != nil || !r.OK || r.Request.Status != 200 {
		t.Errorf("after the brief's fix: %+v, %v; want 200 through every hop", r, err)
	}
}

// check's fix for nacl-deny runs as it stands: each allow rule it adds has a number of its
// own, below the deny, so EC2 takes every one and the request gets through.
func TestNaclDenyCheckFixRunsOnTheDemoAccount(t *testing.T) {
	ctx := context.Background()
	sb, _, run := startScenario(t, "nacl-deny")
	acct := sb.Account()
	r, err := steps.CheckRun(ctx, acct, run.Journal, "/orders")
	if err != nil {
		t.Fatal(err)
	}
	e := acct.EC2.(interface {
		CreateNetworkAclEntry(context.Context, *ec2.CreateNetworkAclEntryInput, ...func(*ec2.Options)) (*ec2.CreateNetworkAclEntryOutput, error)
	})
	cmd := regexp.MustCompile(`^aws ec2 create-network-acl-entry --network-acl-id (\S+) --ingress --rule-number (\d+) --protocol tcp --port-range From=(\d+),To=(\d+) --cidr-block (\S+) --rule-action allow$`)
	fixes := strings.Split(r.Hop(steps.HopNetworkACLs).Fix, "\n")
	for _, f := range fixes {
		m := cmd.FindStringSubmatch(f)
		if m == nil {
			t.Fatalf("fix %q is not an inbound allow", f)
		}
		var n, from, to int32
		fmt.Sscan(m[2], &n)
		fmt.Sscan(m[3], &from)
		fmt.Sscan(m[4], &to)
		if _, err := e.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(m[1]), RuleNumber: aws.Int32(n), Egress: aws.Bool(false),
			Protocol: aws.String("6"), PortRange: &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}, CidrBlock: aws.String(m[5]), RuleAction: ec2types.RuleActionAllow}); err != nil {
			t.Fatalf("check's fix %q: %v", f, err)
		}
	}
	if r, err := steps.CheckRun(ctx, acct, run.Journal, "/orders"); err != nil || !r.OK || r.Request.Status != 200 {
		t.Errorf("after check's %d fixes: ok %v, broken %q, %d, %v; want 200 through every hop", len(fixes), r.OK, r.Broken, r.Request.Status, err)
	}
}
