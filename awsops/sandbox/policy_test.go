package sandbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

func writePolicy(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTheDemoAccountEnforcesAnIAMPolicyWithAWSsErrors(t *testing.T) {
	policy := writePolicy(t, `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
	  {"Effect": "Deny", "Action": "ec2:DescribeSecurityGroups", "Resource": "*"},
	  {"Effect": "Allow", "Action": ["apigateway:GET"], "Resource": ["arn:aws:apigateway:eu-west-1::/restapis"]},
	  {"Effect": "Allow", "Action": "apigateway:GET", "Resource": "arn:aws:apigateway:us-east-1::/vpclinks"}
	]}`)
	_, a := open(t, sandbox.Options{Region: "eu-west-1", Policy: policy})
	ctx := context.Background()
	tests := map[string]struct {
		call     func() error
		code     string
		message  string
		fullText string
	}{
		"a wildcard allows every ec2:Describe call": {call: func() error { _, err := a.ListVPCs(ctx); return err }},
		"an explicit deny wins over the wildcard": {
			call:    func() error { _, err := a.ListSecurityGroups(ctx, "vpc-1"); return err },
			code:    "UnauthorizedOperation",
			message: "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/demo is not authorized to perform: ec2:DescribeSecurityGroups on resource: * with an explicit deny in an identity-based policy",
		},
		"an action no statement allows": {
			call:    func() error { _, err := a.ListLoadBalancers(ctx, ""); return err },
			code:    "AccessDenied",
			message: "User: arn:aws:iam::123456789012:user/demo is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers on resource: * because no identity-based policy allows the elasticloadbalancing:DescribeLoadBalancers action",
		},
		"an API Gateway path the policy names, in this region": {call: func() error { _, err := a.ListRestAPIs(ctx); return err }},
		"an API Gateway path allowed in another region only": {
			call:    func() error { _, err := a.ListVPCLinks(ctx); return err },
			code:    "AccessDeniedException",
			message: "User: arn:aws:iam::123456789012:user/demo is not authorized to perform: apigateway:GET on resource: arn:aws:apigateway:eu-west-1::/vpclinks because no identity-based policy allows the apigateway:GET action",
		},
		"who the caller is needs no permission": {call: func() error { _, err := a.Identity(ctx); return err }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if tc.code == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			if awsops.ErrorCode(err) != tc.code || awsops.ErrorMessage(err) != tc.message {
				t.Fatalf("got %s: %q\nwant %s: %q", awsops.ErrorCode(err), awsops.ErrorMessage(err), tc.code, tc.message)
			}
			var pe *awsops.PermissionError
			if !errors.As(err, &pe) || !strings.Contains(tc.message, "perform: "+pe.Action+" ") {
				t.Errorf("permission error %#v does not name the denied action", pe)
			}
		})
	}
}

func TestTagsOnCreateNeedTheirOwnPermission(t *testing.T) {
	policy := writePolicy(t, `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": ["elasticloadbalancing:CreateTargetGroup"], "Resource": "*"}
	]}`)
	_, a := open(t, sandbox.Options{Policy: policy})
	spec := awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: "vpc-1", HealthCheck: awsops.HealthCheck{Path: "/", Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 3}}
	_, err := a.CreateTargetGroup(context.Background(), spec)
	var pe *awsops.PermissionError
	if !errors.As(err, &pe) || pe.Action != "elasticloadbalancing:AddTags" {
		t.Fatalf("CreateTargetGroup without AddTags: %v", err)
	}
}

func TestABadPolicyFileIsRefusedWithWhatToFix(t *testing.T) {
	tests := map[string]struct{ text, says string }{
		"not JSON":                   {`{`, "is not an IAM policy"},
		"an old policy language":     {`{"Version": "2008-10-17", "Statement": []}`, `"2012-10-17"`},
		"an effect IAM lacks":        {`{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}`, "use Allow or Deny"},
		"a statement with no action": {`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}`, "needs Action or NotAction"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := sandbox.New(sandbox.Options{Policy: writePolicy(t, tc.text)})
			if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "VPCLINK_SANDBOX_POLICY") {
				t.Errorf("got %v, want an error saying %q", err, tc.says)
			}
		})
	}
	if _, err := sandbox.New(sandbox.Options{Policy: filepath.Join(t.TempDir(), "none.json")}); err == nil || !strings.Contains(err.Error(), "vpclink iam-policy") {
		t.Errorf("a missing file: %v", err)
	}
}
