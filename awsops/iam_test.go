package awsops

import (
	"context"
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func deniedError(msg string) error {
	return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: msg}
}

// sdkServicePrefix is the IAM service prefix of each SDK service package awsops calls. A new
// service interface on Account needs its package here, and its operations in Operations.
var sdkServicePrefix = map[string]string{
	"ec2":                    "ec2",
	"elasticloadbalancingv2": "elasticloadbalancing",
	"apigateway":             "apigateway",
	"sts":                    "sts",
}

// sdkOperations lists, by reflection over every interface field of Account, the SDK
// operations awsops can call, named as the list names them ("ec2:DescribeVpcs").
func sdkOperations(t *testing.T) []string {
	t.Helper()
	ctxType := reflect.TypeFor[context.Context]()
	acct := reflect.TypeFor[Account]()
	var ops []string
	for i := range acct.NumField() {
		f := acct.Field(i)
		if f.Type.Kind() != reflect.Interface || !f.IsExported() {
			continue
		}
		for j := range f.Type.NumMethod() {
			m := f.Type.Method(j)
			if m.Type.NumIn() < 2 || m.Type.In(0) != ctxType || m.Type.In(1).Kind() != reflect.Pointer {
				t.Errorf("Account.%s: method %s is not an SDK operation (ctx, *Input, ...)", f.Name, m.Name)
				continue
			}
			pkg := path.Base(m.Type.In(1).Elem().PkgPath())
			prefix, ok := sdkServicePrefix[pkg]
			if !ok {
				t.Errorf("Account.%s.%s is in SDK package %q: add its IAM service prefix to sdkServicePrefix", f.Name, m.Name, pkg)
				continue
			}
			ops = append(ops, prefix+":"+m.Name)
		}
	}
	slices.Sort(ops)
	return slices.Compact(ops)
}

func TestEverySDKOperationAwsopsCallsIsInTheIAMListAndNothingElse(t *testing.T) {
	listed := map[string]bool{}
	for _, o := range Operations() {
		if listed[o.Name] {
			t.Errorf("%s is listed twice", o.Name)
		}
		listed[o.Name] = true
	}
	called := sdkOperations(t)
	if len(called) < 40 {
		t.Fatalf("found only %d operations by reflection: %v", len(called), called)
	}
	for _, op := range called {
		if !listed[op] {
			t.Errorf("awsops can call %s, but the IAM list (awsops/iam.go Operations) has no entry for it: add it with the IAM actions it needs", op)
		}
		delete(listed, op)
	}
	for op := range listed {
		t.Errorf("the IAM list has %s, which no awsops interface calls: remove it", op)
	}
}

func TestEveryListedOperationIsNeededByACommandAndEveryCommandsOperationIsListed(t *testing.T) {
	needed := map[string]bool{}
	for _, c := range Commands {
		for _, op := range CommandOperations(c) {
			if _, ok := operation(op); !ok {
				t.Errorf("%s needs %s, which the IAM list lacks", c, op)
			}
			needed[op] = true
		}
	}
	for _, o := range Operations() {
		if !needed[o.Name] {
			t.Errorf("no command needs %s: remove it from the list or name the command that calls it", o.Name)
		}
	}
	if len(CommandOperations(CmdStatus)) != 0 || len(CommandOperations(CmdDemoReset)) != 0 {
		t.Errorf("status and demo reset read local files only")
	}
	for _, op := range CommandOperations(CmdDestroy) {
		if strings.Contains(op, ":Create") || strings.Contains(op, ":Put") {
			t.Errorf("destroy needs %s", op)
		}
	}
	for _, op := range CommandOperations(CmdDryRun) {
		if o, _ := operation(op); len(o.Grants) > 0 && !strings.Contains(op, ":Describe") && !strings.Contains(op, ":Get") {
			t.Errorf("a dry run changes nothing, yet needs %s", op)
		}
	}
}

func TestThePolicyAllowsEveryGrantAndHasNoActionNoOperationNeeds(t *testing.T) {
	p := PolicyFor(Commands, Scope{Features: AllFeatures})
	granted := map[string]bool{}
	for _, o := range Operations() {
		for _, g := range o.Grants {
			granted[g.Action] = true
			resource := fill(g.Resource, "aws", "eu-west-1", "123456789012")
			ctx := map[string]string{}
			for _, keys := range g.Condition {
				for k, vs := range keys {
					ctx[k] = vs[0]
				}
			}
			if ok, _ := p.Allows(g.Action, resource, ctx); !ok {
				t.Errorf("the policy does not allow %s on %s, which %s needs", g.Action, resource, o.Name)
			}
		}
	}
	for _, st := range p.Statement {
		for _, a := range st.Action {
			if !granted[a] {
				t.Errorf("statement %s allows %s, which no operation needs", st.Sid, a)
			}
		}
	}
	for _, want := range []string{"ec2:CreateVpcEndpointServiceConfiguration", "ec2:DeleteVpcEndpointServiceConfigurations",
		"ec2:DescribeVpcEndpointServiceConfigurations", "ec2:ModifyVpcEndpointServicePermissions", "elasticloadbalancing:DescribeLoadBalancers"} {
		if !granted[want] {
			t.Errorf("AWS documents %s for a VPC link; the list lacks it", want)
		}
	}
	if ok, _ := p.Allows("elasticloadbalancing:AddTags", fill(arnLoadBalancer, "aws", "eu-west-1", "1"), nil); ok {
		t.Errorf("AddTags is allowed outside a create call")
	}
}

func TestPolicyForAPlanLeavesOutWhatThePlanNeverDoes(t *testing.T) {
	actions := func(p Policy) (string, string) {
		var a, r []string
		for _, st := range p.Statement {
			a = append(a, st.Action...)
			r = append(r, st.Resource...)
		}
		return strings.Join(a, " "), strings.Join(r, " ")
	}
	full, fullRes := actions(PolicyFor(Commands, Scope{Features: AllFeatures}))
	tests := map[string]struct {
		scope             Scope
		lacks, has, inARN []string
	}{
		"a plan without an API key has no usage-plan or API-key rights": {
			scope: Scope{Features: AllFeatures &^ FeatureAPIKey},
			lacks: []string{"/apikeys", "/usageplans"}, has: []string{"/restapis", "CreateLoadBalancer"},
		},
		"a plan that reuses an NLB does not create one, nor open security groups": {
			scope: Scope{Features: FeatureNewVPCLink | FeatureNewRestAPI},
			lacks: []string{"CreateLoadBalancer", "CreateTargetGroup", "AuthorizeSecurityGroupIngress", "AddTags", "DescribeNetworkInterfaces"},
			has:   []string{"elasticloadbalancing:DescribeLoadBalancers", "ec2:CreateVpcEndpointServiceConfiguration"},
		},
		"a plan that reuses a VPC link makes no endpoint service": {
			scope: Scope{Features: FeatureNewLoadBalancer | FeatureNewRestAPI},
			lacks: []string{"ec2:CreateVpcEndpointServiceConfiguration", "ec2:DeleteVpcEndpointServiceConfigurations"},
		},
		"a plan in a region names it in every ARN": {
			scope: Scope{Region: "eu-central-1", Features: AllFeatures},
			inARN: []string{"eu-central-1"},
		},
		"a plan in China uses its partition": {
			scope: Scope{Region: "cn-north-1", Features: AllFeatures},
			inARN: []string{"arn:aws-cn:", "cn-north-1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, r := actions(PolicyFor(Commands, tc.scope))
			for _, s := range tc.lacks {
				if strings.Contains(a+" "+r, s) {
					t.Errorf("the policy has %s", s)
				}
				if !strings.Contains(full+" "+fullRes, s) {
					t.Errorf("the full policy lacks %s: the test proves nothing", s)
				}
			}
			for _, s := range tc.has {
				if !strings.Contains(a+" "+r, s) {
					t.Errorf("the policy lacks %s", s)
				}
			}
			for _, res := range strings.Fields(r) {
				for _, s := range tc.inARN {
					if res != "*" && !strings.Contains(res, s) {
						t.Errorf("resource %s does not name %s", res, s)
					}
				}
			}
		})
	}
}

func TestThePolicyIsIAMPolicyJSON(t *testing.T) {
	text := PolicyFor(Commands, Scope{Features: AllFeatures}).JSON()
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["Version"] != "2012-10-17" {
		t.Errorf("Version %v", doc["Version"])
	}
	sids := map[string]bool{}
	for _, s := range doc["Statement"].([]any) {
		st := s.(map[string]any)
		sid, _ := st["Sid"].(string)
		if sid == "" || sids[sid] || st["Effect"] != "Allow" || st["Action"] == nil || st["Resource"] == nil {
			t.Errorf("statement %v", st)
		}
		sids[sid] = true
	}
}

func TestIAMPatternsMatchAsIAMDoes(t *testing.T) {
	tests := map[string]struct {
		pattern, value string
		fold, want     bool
	}{
		"a star matches slashes":               {"arn:aws:apigateway:*::/restapis/*", "arn:aws:apigateway:eu-west-1::/restapis/a1/stages/dev", false, true},
		"a star does not make a prefix match":  {"arn:aws:apigateway:*::/restapis/*", "arn:aws:apigateway:eu-west-1::/restapis", false, false},
		"a wildcard action":                    {"ec2:Describe*", "ec2:DescribeVpcs", true, true},
		"actions ignore case":                  {"EC2:describevpcs", "ec2:DescribeVpcs", true, true},
		"resources do not":                     {"arn:aws:ec2:*:*:Security-Group/*", "arn:aws:ec2:x:1:security-group/sg-1", false, false},
		"a question mark is one character":     {"ec2:Describe?pcs", "ec2:DescribeVpcs", true, true},
		"a star pattern covers a narrower one": {"arn:x::/restapis/*", "arn:x::/restapis/*/resources", false, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Match(tc.pattern, tc.value, tc.fold); got != tc.want {
				t.Errorf("Match(%q, %q) = %v", tc.pattern, tc.value, got)
			}
		})
	}
}

func TestAPolicyDenyWinsOverAnAllow(t *testing.T) {
	p := Policy{Version: "2012-10-17", Statement: []Statement{
		{Effect: "Allow", Action: StringList{"ec2:*"}, Resource: StringList{"*"}},
		{Effect: "Deny", Action: StringList{"ec2:AuthorizeSecurityGroupIngress"}, Resource: StringList{"*"}},
	}}
	if ok, _ := p.Allows("ec2:DescribeVpcs", "*", nil); !ok {
		t.Errorf("ec2:* does not allow DescribeVpcs")
	}
	if ok, explicit := p.Allows("ec2:AuthorizeSecurityGroupIngress", "arn:aws:ec2:x:1:security-group/sg-1", nil); ok || !explicit {
		t.Errorf("the Deny did not win: allowed %v, explicit %v", ok, explicit)
	}
	if ok, explicit := p.Allows("apigateway:GET", "arn:aws:apigateway:x::/restapis", nil); ok || explicit {
		t.Errorf("an action no statement names: allowed %v, explicit %v", ok, explicit)
	}
}

func TestAPermissionErrorNamesTheActionAWSChecked(t *testing.T) {
	err := Classify(IAMAction("apigateway:CreateRestApi"), deniedError("User: arn:aws:iam::1:user/x is not authorized to perform: apigateway:PUT on resource: arn:aws:apigateway:us-east-1::/tags/x because no identity-based policy allows the apigateway:PUT action"))
	pe, ok := err.(*PermissionError)
	if !ok || pe.Action != "apigateway:PUT" {
		t.Errorf("Classify = %#v", err)
	}
	err = Classify(IAMAction("apigateway:CreateRestApi"), deniedError("Forbidden"))
	if pe, ok := err.(*PermissionError); !ok || pe.Action != "apigateway:POST" {
		t.Errorf("without AWS's wording: %#v", err)
	}
}

// A policy's ARNs name the partition of the region: every partition whose regions
// CheckRegion accepts.
func TestPartitionOfEveryRegionCheckRegionAccepts(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-2": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "us-isof-south-1": "aws-iso-f",
		"eu-isoe-west-1": "aws-iso-e", "eusc-de-east-1": "aws-eusc",
	} {
		if err := CheckRegion(region); err != nil {
			t.Errorf("CheckRegion(%s): %v", region, err)
		}
		if got := Partition(region); got != want {
			t.Errorf("Partition(%s) = %s, want %s", region, got, want)
		}
	}
}
