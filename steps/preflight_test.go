package steps_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// addLinks fills the region with n VPC links to load balancers outside the plan.
func addLinks(t *testing.T, acct *awsops.Account, n int) {
	t.Helper()
	for i := range n {
		lb := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/other-%d/%016x", acct.Region, sandbox.AccountID, i, i)
		if _, err := acct.CreateVPCLink(context.Background(), fmt.Sprintf("other-%d", i), lb, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// accountUpdater is the sandbox's UpdateAccount, which vpclink itself never calls.
type accountUpdater interface {
	UpdateAccount(context.Context, *apigateway.UpdateAccountInput, ...func(*apigateway.Options)) (*apigateway.UpdateAccountOutput, error)
}

func TestPreflightNamesWhatWouldFailOnAWS(t *testing.T) {
	const base = "name: t\nvpc: prod-vpc\nsubnets: [prod-private-a, prod-private-b]\ntargets: {instances: [orders-api-1, orders-api-2]}\n"
	otherRegion := "arn:aws:elasticloadbalancing:eu-west-1:" + sandbox.AccountID + ":loadbalancer/net/web/0123456789abcdef"
	otherAccount := "arn:aws:elasticloadbalancing:" + sandbox.RegionWithoutLoggingRole + ":210987654321:loadbalancer/net/web/0123456789abcdef"
	tests := map[string]struct {
		region string
		setup  func(t *testing.T, acct *awsops.Account)
		yaml   string
		check  string
		status steps.CheckStatus
		says   []string // in the message or the fix
	}{
		"logging without the account's role fails with the commands that set it": {
			yaml: base + "stage: {logging: INFO}\n", check: steps.CheckLoggingRole, status: steps.CheckFail,
			says: []string{"has no CloudWatch Logs role", "set stage.logging to OFF", "--assume-role-policy-document", "\"Service\":\"apigateway.amazonaws.com\"",
				"--policy-arn arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
				"aws apigateway update-account --region us-west-1 --patch-operations op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::123456789012:role/APIGatewayCloudWatchLogs"},
		},
		"logging passes once the role is set": {
			setup: func(t *testing.T, acct *awsops.Account) {
				_, err := acct.Gateway.(accountUpdater).UpdateAccount(context.Background(), &apigateway.UpdateAccountInput{PatchOperations: []gwtypes.PatchOperation{
					{Op: gwtypes.OpReplace, Path: aws.String("/cloudwatchRoleArn"), Value: aws.String(sandbox.LoggingRoleARN)}}})
				if err != nil {
					t.Fatal(err)
				}
			},
			yaml: base + "stage: {logging: ERROR}\n", check: steps.CheckLoggingRole, status: steps.CheckOK, says: []string{sandbox.LoggingRoleARN},
		},
		"logging in a region with the role passes": {
			region: "us-east-1", yaml: base + "stage: {logging: INFO}\n", check: steps.CheckLoggingRole, status: steps.CheckOK,
		},
		"a region at the VPC link quota refuses a new link and names the links": {
			setup: func(t *testing.T, acct *awsops.Account) { addLinks(t, acct, steps.VPCLinkQuota) },
			yaml:  base, check: steps.CheckVPCLinkQuota, status: steps.CheckFail,
			says: []string{"already has 20 VPC links", "other-0", "other-19", "Service Quotas", "delete-vpc-link"},
		},
		"a region under the quota counts the links": {
			setup: func(t *testing.T, acct *awsops.Account) { addLinks(t, acct, steps.VPCLinkQuota-1) },
			yaml:  base, check: steps.CheckVPCLinkQuota, status: steps.CheckOK, says: []string{"19 of 20"},
		},
		"a load balancer of another region is refused, naming both regions": {
			yaml:  "name: t\nvpc: prod-vpc\nloadBalancer: {existing: '" + otherRegion + "'}\n",
			check: steps.CheckOwnership, status: steps.CheckFail, says: []string{"is in eu-west-1, but vpclink works in us-west-1", "--region eu-west-1"},
		},
		"a load balancer of another account is refused, naming both accounts": {
			yaml:  "name: t\nvpc: prod-vpc\nloadBalancer: {existing: '" + otherAccount + "'}\n",
			check: steps.CheckOwnership, status: steps.CheckFail, says: []string{"belongs to account 210987654321", "credentials are for account 123456789012"},
		},
		"an API named by the ARN of another region is refused": {
			yaml:  base + "api: {existing: 'arn:aws:apigateway:eu-central-1::/restapis/a1b2c3d4e5'}\n",
			check: steps.CheckOwnership, status: steps.CheckFail, says: []string{"is in eu-central-1", "api.existing"},
		},
		"a VPC link named by its ARN asks for its id": {
			yaml:  "name: t\nvpc: prod-vpc\nloadBalancer: {existing: web}\nvpcLink: {existing: 'arn:aws:apigateway:us-west-1::/vpclinks/abc123'}\n",
			check: steps.CheckOwnership, status: steps.CheckFail, says: []string{"set vpcLink.existing to the id alone: abc123"},
		},
		"a stopped instance fails: AWS registers only running ones": {
			yaml:  "name: t\nvpc: prod-vpc\nsubnets: [prod-private-a, prod-private-c]\ntargets: {instances: [orders-api-1, orders-api-3]}\n",
			check: steps.CheckInstances, status: steps.CheckFail, says: []string{"orders-api-3", "is stopped", "aws ec2 start-instances --instance-ids i-"},
		},
		"an instance no subnet covers stays a warning": {
			yaml:  "name: t\nvpc: prod-vpc\nsubnets: [prod-private-a]\ntargets: {instances: [orders-api-1, orders-api-2]}\n",
			check: steps.CheckPlan, status: steps.CheckWarn, says: []string{"which no chosen subnet covers"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sb, err := sandbox.New(sandbox.Options{Region: cmpOr(tc.region, sandbox.RegionWithoutLoggingRole), Speed: 0, ForeignTargets: true})
			if err != nil {
				t.Fatal(err)
			}
			acct := sb.Account()
			if tc.setup != nil {
				tc.setup(t, acct)
			}
			p, err := steps.ParsePlan("t", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var checks steps.Checks
			if tc.check == steps.CheckOwnership {
				// Another account's or region's resource does not resolve: Ownership explains why.
				checks, err = steps.Ownership(t.Context(), acct, p)
			} else {
				var res *steps.Resolution
				if res, err = steps.Resolve(t.Context(), acct, p); err != nil {
					t.Fatal(err)
				}
				checks, err = steps.Preflight(t.Context(), acct, p, res, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			var got *steps.Check
			for i, c := range checks {
				if c.Name == tc.check && c.Status == tc.status {
					got = &checks[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s check %s in %+v", tc.status, tc.check, checks)
			}
			for _, s := range tc.says {
				if !strings.Contains(got.Message+"\n"+got.Fix, s) {
					t.Errorf("%s check does not say %q:\n%s\n%s", tc.check, s, got.Message, got.Fix)
				}
			}
			var pe *steps.PreflightError
			if err := checks.Err(); (tc.status == steps.CheckFail) != errors.As(err, &pe) {
				t.Errorf("Err() = %v with a %s check", err, tc.status)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// A warning that preflight turns into a failure is said once, as the failure.
func TestPreflightSaysAStoppedInstanceOnce(t *testing.T) {
	acct := newSandbox(t, "").Account()
	p, err := steps.ParsePlan("t", []byte("name: t\nvpc: prod-vpc\nsubnets: [prod-private-a, prod-private-c]\ntargets: {instances: [orders-api-1, orders-api-3]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := steps.Resolve(t.Context(), acct, p)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := steps.Preflight(t.Context(), acct, p, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range checks {
		if strings.Contains(c.Message, "orders-api-3") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("orders-api-3 is named %d times in %+v, want once", n, checks)
	}
}

// A resumed run that already made its VPC link does not count the quota again, and the
// checks survive a round trip through JSON.
func TestPreflightOnResumeSkipsWhatTheRunHolds(t *testing.T) {
	acct := newSandbox(t, "").Account()
	addLinks(t, acct, steps.VPCLinkQuota)
	p := loadPlan(t, "../examples/demo.yaml")
	checks, err := steps.Preflight(t.Context(), acct, p, nil, &steps.Resources{VPCLinkID: "abc123"})
	if err != nil || checks.Err() != nil {
		t.Fatalf("resume with its link: %+v, %v", checks, err)
	}
	checks, err = steps.Preflight(t.Context(), acct, p, nil, &steps.Resources{})
	if err != nil || len(checks.Failed()) != 1 || checks.Failed()[0].Name != steps.CheckVPCLinkQuota {
		t.Fatalf("resume without a link: %+v, %v", checks, err)
	}
	b, err := json.Marshal(checks)
	if err != nil {
		t.Fatal(err)
	}
	var back steps.Checks
	if err := json.Unmarshal(b, &back); err != nil || len(back.Failed()) != 1 || !strings.Contains(string(b), `"status":"fail"`) {
		t.Errorf("json round trip: %s → %+v, %v", b, back, err)
	}
}
