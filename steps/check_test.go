package steps_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// builtRun applies a plan on a fresh demo account and returns the sandbox and the run.
func builtRun(t *testing.T, plan string) (*sandbox.Sandbox, *awsops.Account, *steps.Journal) {
	t.Helper()
	sb := newSandbox(t, "")
	acct := sb.Account()
	j, err := apply(t, acct, nil, loadPlan(t, plan))
	if err != nil {
		t.Fatalf("apply %s: %v", plan, err)
	}
	return sb, acct, j
}

func check(t *testing.T, acct *awsops.Account, j *steps.Journal, path string) *steps.CheckReport {
	t.Helper()
	r, err := steps.CheckRun(context.Background(), acct, j, path)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if len(r.Hops) != len(steps.Hops) {
		t.Fatalf("check reported %d hops, want every one of %v: %+v", len(r.Hops), steps.Hops, r.Hops)
	}
	for i, h := range r.Hops {
		if h.Hop != steps.Hops[i] {
			t.Errorf("hop %d is %q, want %q", i, h.Hop, steps.Hops[i])
		}
	}
	return r
}

// After a healthy build, a request reaches the service through every hop, at the invoke
// URL's root and below it.
func TestCheckOfAHealthyChainReachesTheService(t *testing.T) {
	for _, plan := range []string{"../examples/demo.yaml", "../examples/api-key.yaml"} {
		_, acct, j := builtRun(t, plan)
		// The demo service answers /health with its status and / with a hello.
		for path, body := range map[string]string{"/health": `"status":"ok"`, "/": `"hello":"from `} {
			r := check(t, acct, j, path)
			if !r.OK || r.Broken != "" || r.Request.Status != 200 || !strings.Contains(r.Request.Body, body) {
				t.Errorf("%s, check %s = ok %v, broken %q, %d %s; want 200 from the service", plan, path, r.OK, r.Broken, r.Request.Status, r.Request.Body)
			}
			for _, h := range r.Hops {
				if !h.OK || h.Detail == "" || h.Fix != "" {
					t.Errorf("%s, check %s: hop %+v; want it ok, described, with no fix", plan, path, h)
				}
			}
		}
	}
}

// Each thing a person can break by hand is named as the broken hop, with its fix, and the
// request fails as AWS fails it.
func TestCheckNamesTheHopThatWasBrokenByHand(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		breakIt    func(t *testing.T, sb *sandbox.Sandbox, acct *awsops.Account, j *steps.Journal)
		hop        string
		status     int
		detail     string
		fixPrefix  string
		otherHopOK []string
	}{
		"the ingress rule that admits the load balancer is revoked": {
			breakIt: func(t *testing.T, _ *sandbox.Sandbox, acct *awsops.Account, j *steps.Journal) {
				for _, r := range j.Resources.Ingress {
					if err := acct.RevokeIngress(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
			},
			hop: steps.HopSecurityGroups, status: 504, detail: "admits", fixPrefix: "aws ec2 authorize-security-group-ingress --group-id sg-",
			otherHopOK: []string{steps.HopStage, steps.HopVPCLink, steps.HopListener, steps.HopNetworkACLs},
		},
		"the listener is deleted": {
			breakIt: func(t *testing.T, _ *sandbox.Sandbox, acct *awsops.Account, j *steps.Journal) {
				if err := acct.DeleteListener(ctx, j.Resources.ListenerARN); err != nil {
					t.Fatal(err)
				}
			},
			hop: steps.HopListener, status: 500, detail: "no listener on port 80", fixPrefix: "vpclink resume orders-",
			otherHopOK: []string{steps.HopStage, steps.HopVPCLink, steps.HopLoadBalancer, steps.HopTargetGroup},
		},
		"the VPC link is FAILED": {
			breakIt: func(t *testing.T, sb *sandbox.Sandbox, _ *awsops.Account, j *steps.Journal) {
				if err := sb.FailVPCLink(j.Resources.VPCLinkID, "NLB is not in the active state"); err != nil {
					t.Fatal(err)
				}
			},
			hop: steps.HopVPCLink, status: 500, detail: "is FAILED (NLB is not in the active state)", fixPrefix: "vpclink resume orders-",
			otherHopOK: []string{steps.HopStage, steps.HopLoadBalancer, steps.HopListener, steps.HopTargets},
		},
		"a stage variable is removed": {
			breakIt: func(t *testing.T, _ *sandbox.Sandbox, acct *awsops.Account, j *steps.Journal) {
				_, err := acct.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(j.Resources.RestAPIID), StageName: aws.String(j.Resources.Stage),
					PatchOperations: []gwtypes.PatchOperation{{Op: gwtypes.OpRemove, Path: aws.String("/variables/VPCNLB")}}})
				if err != nil {
					t.Fatal(err)
				}
			},
			hop: steps.HopStage, status: 500, detail: "stage variable VPCNLB is not set", fixPrefix: "aws apigateway update-stage --rest-api-id ",
			otherHopOK: []string{steps.HopVPCLink, steps.HopListener, steps.HopTargets},
		},
		"an instance is stopped": {
			breakIt: func(t *testing.T, _ *sandbox.Sandbox, acct *awsops.Account, j *steps.Journal) {
				stopper, ok := acct.EC2.(interface {
					StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
				})
				if !ok {
					t.Fatal("the demo account's EC2 cannot stop instances")
				}
				if _, err := stopper.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: j.Resources.InstanceIDs[:1]}); err != nil {
					t.Fatal(err)
				}
			},
			// The other instance still answers: the request gets through, the hop is broken.
			hop: steps.HopTargets, status: 200, detail: "Target.InvalidState", fixPrefix: "the instance is not running; start it (aws ec2 start-instances --instance-ids i-",
			otherHopOK: []string{steps.HopStage, steps.HopSecurityGroups, steps.HopNetworkACLs, steps.HopService},
		},
	} {
		t.Run(name, func(t *testing.T) {
			sb, acct, j := builtRun(t, "../examples/demo.yaml")
			if r := check(t, acct, j, "/health"); !r.OK {
				t.Fatalf("before breaking it: %+v", r)
			}
			c.breakIt(t, sb, acct, j)
			r := check(t, acct, j, "/health")
			h := r.Hop(c.hop)
			if r.OK || r.Broken != c.hop || h.OK || !strings.Contains(h.Detail, c.detail) || !strings.HasPrefix(h.Fix, c.fixPrefix) {
				t.Errorf("check: ok %v, broken %q, hop %+v; want %s broken, saying %q, fix starting %q\nhops: %+v", r.OK, r.Broken, h, c.hop, c.detail, c.fixPrefix, r.Hops)
			}
			if r.Request.Status != c.status {
				t.Errorf("request answered %d %s; want %d", r.Request.Status, r.Request.Body, c.status)
			}
			for _, name := range c.otherHopOK {
				if o := r.Hop(name); !o.OK {
					t.Errorf("hop %s = %+v; want it ok, as it was not touched", name, o)
				}
			}
		})
	}
}

// A stopped instance is the only target: no request gets through, and the fix starts it.
func TestCheckOfAllTargetsStoppedFailsTheRequest(t *testing.T) {
	_, acct, j := builtRun(t, "../examples/demo.yaml")
	stopper := acct.EC2.(interface {
		StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
	})
	if _, err := stopper.StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: j.Resources.InstanceIDs}); err != nil {
		t.Fatal(err)
	}
	r := check(t, acct, j, "/")
	if r.Broken != steps.HopTargets || r.Hop(steps.HopService).OK || r.Request.Status != 500 {
		t.Errorf("broken %q, service %+v, status %d; want targets broken and API Gateway's 500", r.Broken, r.Hop(steps.HopService), r.Request.Status)
	}
}

// When the test invoke is not offered (an emulator), check says so and still reports
// every other hop as it is.
func TestCheckWithoutTestInvokeStillWalksEveryHop(t *testing.T) {
	_, acct, j := builtRun(t, "../examples/demo.yaml")
	acct.Gateway = noTestInvoke{acct.Gateway}
	r := check(t, acct, j, "/health")
	if r.OK || r.Broken != steps.HopService || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "TestInvokeMethod is not available") {
		t.Errorf("ok %v, broken %q, notes %q; want the service unchecked, with a note", r.OK, r.Broken, r.Notes)
	}
	for _, h := range r.Hops[:len(r.Hops)-1] {
		if !h.OK {
			t.Errorf("hop %+v; want ok", h)
		}
	}
}

// noTestInvoke is an API Gateway that answers TestInvokeMethod as moto does: it has no route
// for it.
type noTestInvoke struct{ awsops.GatewayAPI }

func (noTestInvoke) TestInvokeMethod(context.Context, *apigateway.TestInvokeMethodInput, ...func(*apigateway.Options)) (*apigateway.TestInvokeMethodOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "NotImplemented", Message: "The TestInvokeMethod action has not been implemented"}
}

// A network ACL is evaluated as AWS evaluates it: rules by number, the first match decides,
// and nothing matched is denied.
func TestNetworkACLsAreEvaluatedInRuleOrder(t *testing.T) {
	nlb := netip.MustParsePrefix("10.0.10.5/32")
	subnet := netip.MustParsePrefix("10.0.10.0/24")
	allowAll := awsops.ACLEntry{RuleNumber: 100, Protocol: "-1", Allow: true, CIDR: "0.0.0.0/0"}
	denyAll := awsops.ACLEntry{RuleNumber: 32767, Protocol: "-1", CIDR: "0.0.0.0/0"}
	for name, c := range map[string]struct {
		entries  []awsops.ACLEntry
		peer     netip.Prefix
		from, to int32
		want     bool
		rule     int32
	}{
		"AWS's default ACL allows everything":                   {[]awsops.ACLEntry{allowAll, denyAll}, nlb, 80, 80, true, 100},
		"a lower-numbered deny wins over the allow":             {[]awsops.ACLEntry{{RuleNumber: 90, Protocol: "6", CIDR: "10.0.10.0/24", FromPort: 80, ToPort: 80}, allowAll, denyAll}, nlb, 80, 80, false, 90},
		"a deny on another port does not matter":                {[]awsops.ACLEntry{{RuleNumber: 90, Protocol: "6", CIDR: "10.0.10.0/24", FromPort: 22, ToPort: 22}, allowAll, denyAll}, nlb, 80, 80, true, 100},
		"only the catch-all: denied":                            {[]awsops.ACLEntry{denyAll}, nlb, 80, 80, false, 32767},
		"an allow of part of the ephemeral ports is not enough": {[]awsops.ACLEntry{{RuleNumber: 100, Protocol: "6", Allow: true, CIDR: "10.0.0.0/16", FromPort: 32768, ToPort: 65535}, denyAll}, nlb, 1024, 65535, false, 32767},
		"an allow of a subnet covers an address in it":          {[]awsops.ACLEntry{{RuleNumber: 100, Protocol: "6", Allow: true, CIDR: "10.0.10.0/24", FromPort: 80, ToPort: 80}, denyAll}, nlb, 80, 80, true, 100},
		"an allow of one address does not cover a subnet":       {[]awsops.ACLEntry{{RuleNumber: 100, Protocol: "6", Allow: true, CIDR: "10.0.10.5/32", FromPort: 80, ToPort: 80}, denyAll}, subnet, 80, 80, false, 32767},
		"no rule at all: denied":                                {nil, nlb, 80, 80, false, 0},
	} {
		t.Run(name, func(t *testing.T) {
			acl := awsops.NetworkACL{ID: "acl-1", Entries: c.entries}
			got, rule := acl.Allows(false, c.peer, c.from, c.to)
			if got != c.want || rule.RuleNumber != c.rule {
				t.Errorf("Allows = %v by rule %d; want %v by rule %d", got, rule.RuleNumber, c.want, c.rule)
			}
		})
	}
}

// Without a run named, check takes the latest run of this account in its region: a newer
// run of another account in the same state directory is passed over.
func TestLatestRunIsThisAccountsLatest(t *testing.T) {
	sb, store, mine := applyFresh(t, "", "../examples/demo.yaml")
	acct := sb.Account()
	theirs := *mine
	theirs.RunID, theirs.Account, theirs.StartedAt = "orders-0therx", "210987654321", mine.StartedAt.Add(time.Hour)
	if err := store.Save(&theirs); err != nil {
		t.Fatal(err)
	}
	got, err := steps.LatestRun(context.Background(), store, acct, true)
	if err != nil || got.RunID != mine.RunID {
		t.Fatalf("LatestRun = %v, %v; want this account's run %s, not %s", got, err, mine.RunID, theirs.RunID)
	}
}
