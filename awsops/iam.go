package awsops

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file is the one list of what vpclink may do in an account: every SDK operation it
// calls, the IAM actions (on which resources) each needs, and the operations each command
// calls. The least-privilege policy (`vpclink iam-policy`), the actions named in permission
// errors and the demo account's policy checks all come from it.

// Feature is a part of the chain that a plan may leave out. An operation that only one part
// needs is left out of a policy narrowed to a plan without that part.
type Feature uint

// The parts of the chain a plan may leave out.
const (
	// FeatureNewLoadBalancer: a new NLB, its target group, listener, targets and the
	// security group rules that admit it (a plan that reuses an NLB needs none of these).
	FeatureNewLoadBalancer Feature = 1 << iota
	// FeatureNLBIPs: security groups admit the NLB's private IPs, read from its interfaces.
	FeatureNLBIPs
	// FeatureNewVPCLink: a new VPC link.
	FeatureNewVPCLink
	// FeatureNewRestAPI: a new REST API.
	FeatureNewRestAPI
	// FeatureReusedRestAPI: a REST API that exists already; undo removes only what was added.
	FeatureReusedRestAPI
	// FeatureAPIKey: an API key and a usage plan (authorization API_KEY).
	FeatureAPIKey

	// AllFeatures is every part: the policy for any plan.
	AllFeatures = FeatureNewLoadBalancer | FeatureNLBIPs | FeatureNewVPCLink | FeatureNewRestAPI | FeatureReusedRestAPI | FeatureAPIKey
)

// Grant is one IAM action on one resource pattern. Resource may hold {partition},
// {region} and {account}, filled in for the policy's scope; Condition, when set, is an IAM
// condition block (operator → key → values).
type Grant struct {
	Sid       string
	Action    string
	Resource  string
	Condition map[string]map[string][]string
}

// Operation is one SDK operation vpclink calls, named "service:Operation" as the pacer names
// it, with the grants it needs. Only, when set, is the part of the chain that alone needs it.
type Operation struct {
	Name   string
	Grants []Grant
	Only   Feature
}

// Statement ids, in the order the policy lists them.
const (
	sidEC2Read         = "ReadNetwork"
	sidIngress         = "AdmitTheLoadBalancer"
	sidIngressTags     = "TagIngressRulesOnCreate"
	sidELBRead         = "ReadLoadBalancers"
	sidELBManage       = "ManageLoadBalancer"
	sidELBTags         = "TagLoadBalancerOnCreate"
	sidEndpointService = "VpcLinkEndpointService"
	sidGatewayGET      = "ApiGatewayRead"
	sidGatewayPOST     = "ApiGatewayCreate"
	sidGatewayPUT      = "ApiGatewayPut"
	sidGatewayPATCH    = "ApiGatewayUpdate"
	sidGatewayDELETE   = "ApiGatewayDelete"
)

var sidOrder = []string{sidEC2Read, sidIngress, sidIngressTags, sidELBRead, sidELBManage, sidELBTags,
	sidEndpointService, sidGatewayGET, sidGatewayPOST, sidGatewayPUT, sidGatewayPATCH, sidGatewayDELETE}

// ARN patterns.
const (
	arnSecurityGroup     = "arn:{partition}:ec2:{region}:{account}:security-group/*"
	arnSecurityGroupRule = "arn:{partition}:ec2:{region}:{account}:security-group-rule/*"
	arnLoadBalancer      = "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/net/*/*"
	arnTargetGroup       = "arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/*/*"
	arnListener          = "arn:{partition}:elasticloadbalancing:{region}:{account}:listener/net/*/*/*"
)

func ec2Read(op string) Operation {
	return Operation{Name: "ec2:" + op, Grants: []Grant{{Sid: sidEC2Read, Action: "ec2:" + op, Resource: "*"}}}
}

func elbRead(op string) Operation {
	return Operation{Name: "elasticloadbalancing:" + op, Grants: []Grant{{Sid: sidELBRead, Action: "elasticloadbalancing:" + op, Resource: "*"}}}
}

// elbManage is an ELB write on the given resources, tagged on create when tagOnCreate.
func elbManage(op string, tagOnCreate bool, resources ...string) Operation {
	o := Operation{Name: "elasticloadbalancing:" + op, Only: FeatureNewLoadBalancer}
	for _, r := range resources {
		o.Grants = append(o.Grants, Grant{Sid: sidELBManage, Action: o.Name, Resource: r})
	}
	if tagOnCreate {
		// ELB checks AddTags for the tags a create call carries.
		o.Grants = append(o.Grants, Grant{Sid: sidELBTags, Action: "elasticloadbalancing:AddTags", Resource: resources[0],
			Condition: map[string]map[string][]string{"StringEquals": {"elasticloadbalancing:CreateAction": {op}}}})
	}
	return o
}

var gatewaySids = map[string]string{"GET": sidGatewayGET, "POST": sidGatewayPOST, "PUT": sidGatewayPUT, "PATCH": sidGatewayPATCH, "DELETE": sidGatewayDELETE}

// gatewayARN is the ARN of an API Gateway resource path, as IAM names it.
func gatewayARN(path string) string { return "arn:{partition}:apigateway:{region}::" + path }

// gateway is an API Gateway operation: API Gateway authorizes by HTTP verb on the resource
// path the call goes to.
func gateway(op, verb, path string, only Feature) Operation {
	return Operation{Name: "apigateway:" + op, Only: only, Grants: []Grant{{Sid: gatewaySids[verb], Action: "apigateway:" + verb, Resource: gatewayARN(path)}}}
}

// tagged adds what a create call that carries tags needs: API Gateway authorizes its tags
// as a PUT on /tags/<the new resource's ARN>.
func tagged(o Operation) Operation {
	o.Grants = append(o.Grants, Grant{Sid: sidGatewayPUT, Action: "apigateway:PUT", Resource: gatewayARN("/tags/*")})
	return o
}

// Operations is the list: every SDK operation awsops calls, with the IAM grants it needs.
func Operations() []Operation {
	createLink := tagged(gateway("CreateVpcLink", "POST", "/vpclinks", FeatureNewVPCLink))
	deleteLink := gateway("DeleteVpcLink", "DELETE", "/vpclinks/*", FeatureNewVPCLink)
	// AWS documents that whoever creates or deletes a (V1) VPC link needs these: API Gateway
	// makes a VPC endpoint service of the NLB with the caller's permissions.
	for _, a := range []string{"ec2:CreateVpcEndpointServiceConfiguration", "ec2:DescribeVpcEndpointServiceConfigurations", "ec2:ModifyVpcEndpointServicePermissions"} {
		createLink.Grants = append(createLink.Grants, Grant{Sid: sidEndpointService, Action: a, Resource: "*"})
	}
	createLink.Grants = append(createLink.Grants, Grant{Sid: sidELBRead, Action: "elasticloadbalancing:DescribeLoadBalancers", Resource: "*"})
	for _, a := range []string{"ec2:DeleteVpcEndpointServiceConfigurations", "ec2:DescribeVpcEndpointServiceConfigurations"} {
		deleteLink.Grants = append(deleteLink.Grants, Grant{Sid: sidEndpointService, Action: a, Resource: "*"})
	}

	nlbIPs := ec2Read("DescribeNetworkInterfaces")
	nlbIPs.Only = FeatureNLBIPs
	authorize := Operation{Name: "ec2:AuthorizeSecurityGroupIngress", Only: FeatureNewLoadBalancer, Grants: []Grant{
		{Sid: sidIngress, Action: "ec2:AuthorizeSecurityGroupIngress", Resource: arnSecurityGroup},
		{Sid: sidIngress, Action: "ec2:AuthorizeSecurityGroupIngress", Resource: arnSecurityGroupRule},
		// The rule is tagged as it is made: EC2 checks CreateTags for that.
		{Sid: sidIngressTags, Action: "ec2:CreateTags", Resource: arnSecurityGroupRule,
			Condition: map[string]map[string][]string{"StringEquals": {"ec2:CreateAction": {"AuthorizeSecurityGroupIngress"}}}},
	}}
	revoke := Operation{Name: "ec2:RevokeSecurityGroupIngress", Only: FeatureNewLoadBalancer, Grants: []Grant{
		{Sid: sidIngress, Action: "ec2:RevokeSecurityGroupIngress", Resource: arnSecurityGroup},
	}}

	return []Operation{
		// sts:GetCallerIdentity needs no permission, and no policy can deny it.
		{Name: "sts:GetCallerIdentity"},

		ec2Read("DescribeVpcs"), ec2Read("DescribeSubnets"), ec2Read("DescribeRouteTables"),
		ec2Read("DescribeInstances"), ec2Read("DescribeSecurityGroups"), nlbIPs, ec2Read("DescribeNetworkAcls"),
		authorize, revoke,

		elbRead("DescribeLoadBalancers"), elbRead("DescribeTargetGroups"), elbRead("DescribeListeners"),
		elbRead("DescribeTargetHealth"), elbRead("DescribeTags"),
		elbManage("CreateLoadBalancer", true, arnLoadBalancer),
		elbManage("DeleteLoadBalancer", false, arnLoadBalancer),
		elbManage("CreateTargetGroup", true, arnTargetGroup),
		elbManage("DeleteTargetGroup", false, arnTargetGroup),
		elbManage("CreateListener", true, arnListener, arnLoadBalancer),
		elbManage("DeleteListener", false, arnListener),
		elbManage("RegisterTargets", false, arnTargetGroup),
		elbManage("DeregisterTargets", false, arnTargetGroup),

		gateway("GetAccount", "GET", "/account", 0),
		gateway("GetVpcLinks", "GET", "/vpclinks", 0),
		gateway("GetVpcLink", "GET", "/vpclinks/*", 0),
		createLink, deleteLink,

		gateway("GetRestApis", "GET", "/restapis", 0),
		gateway("GetRestApi", "GET", "/restapis/*", 0),
		tagged(gateway("CreateRestApi", "POST", "/restapis", FeatureNewRestAPI)),
		gateway("DeleteRestApi", "DELETE", "/restapis/*", FeatureNewRestAPI),
		gateway("GetResources", "GET", "/restapis/*/resources", 0),
		gateway("CreateResource", "POST", "/restapis/*/resources/*", 0),
		gateway("DeleteResource", "DELETE", "/restapis/*/resources/*", FeatureReusedRestAPI),
		gateway("PutMethod", "PUT", "/restapis/*/resources/*/methods/*", 0),
		gateway("DeleteMethod", "DELETE", "/restapis/*/resources/*/methods/*", FeatureReusedRestAPI),
		gateway("PutIntegration", "PUT", "/restapis/*/resources/*/methods/*/integration", 0),
		gateway("TestInvokeMethod", "POST", "/restapis/*/resources/*/methods/*", 0),
		gateway("CreateDeployment", "POST", "/restapis/*/deployments", 0),
		gateway("GetDeployments", "GET", "/restapis/*/deployments", 0),
		gateway("DeleteDeployment", "DELETE", "/restapis/*/deployments/*", FeatureReusedRestAPI),
		tagged(gateway("CreateStage", "POST", "/restapis/*/stages", 0)),
		gateway("GetStage", "GET", "/restapis/*/stages/*", 0),
		gateway("GetStages", "GET", "/restapis/*/stages", 0),
		gateway("UpdateStage", "PATCH", "/restapis/*/stages/*", 0),
		gateway("DeleteStage", "DELETE", "/restapis/*/stages/*", FeatureReusedRestAPI),

		tagged(gateway("CreateApiKey", "POST", "/apikeys", FeatureAPIKey)),
		gateway("GetApiKeys", "GET", "/apikeys", FeatureAPIKey),
		gateway("GetApiKey", "GET", "/apikeys/*", FeatureAPIKey),
		gateway("DeleteApiKey", "DELETE", "/apikeys/*", FeatureAPIKey),
		tagged(gateway("CreateUsagePlan", "POST", "/usageplans", FeatureAPIKey)),
		gateway("GetUsagePlans", "GET", "/usageplans", FeatureAPIKey),
		gateway("GetUsagePlan", "GET", "/usageplans/*", FeatureAPIKey),
		gateway("GetUsagePlanKeys", "GET", "/usageplans/*/keys", FeatureAPIKey),
		gateway("UpdateUsagePlan", "PATCH", "/usageplans/*", FeatureAPIKey),
		gateway("DeleteUsagePlan", "DELETE", "/usageplans/*", FeatureAPIKey),
		gateway("CreateUsagePlanKey", "POST", "/usageplans/*/keys", FeatureAPIKey),
	}
}

// Command is a vpclink command, as the list of what each one calls names it.
type Command string

// The commands.
const (
	CmdWizard  Command = "wizard"
	CmdApply   Command = "apply"
	CmdDryRun  Command = "apply --dry-run"
	CmdResume  Command = "resume"
	CmdDestroy Command = "destroy"
	CmdStatus  Command = "status"
	// CmdStatusLive compares a run's journal with what exists now.
	CmdStatusLive Command = "status --live"
	CmdCheck      Command = "check"
	CmdDemoReset  Command = "demo reset"
	// CmdScan finds every VPC-link chain of the region, whole or partial, whoever made it.
	CmdScan Command = "scan"
	// CmdFinish adopts what a scan found and builds what the chain lacks.
	CmdFinish Command = "finish"
)

// Commands is every command, in the order the README lists them.
var Commands = []Command{CmdWizard, CmdApply, CmdDryRun, CmdResume, CmdDestroy, CmdStatus, CmdStatusLive, CmdCheck, CmdScan, CmdFinish, CmdDemoReset}

// Operation groups the commands are made of.
var (
	// opsResolve checks a plan against the account (and finds what a resume adopts).
	opsResolve = []string{
		"sts:GetCallerIdentity",
		"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeInstances", "ec2:DescribeSecurityGroups",
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTargetGroups",
		"apigateway:GetVpcLinks", "apigateway:GetVpcLink", "apigateway:GetRestApis", "apigateway:GetRestApi",
		"apigateway:GetResources", "apigateway:GetStage", "apigateway:GetAccount",
	}
	// opsBuild makes the chain, waits for it, and finds what an earlier attempt made.
	opsBuild = []string{
		"ec2:DescribeNetworkInterfaces", "ec2:AuthorizeSecurityGroupIngress",
		"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateListener",
		"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
		"apigateway:CreateVpcLink", "apigateway:CreateRestApi", "apigateway:CreateResource", "apigateway:PutMethod",
		"apigateway:PutIntegration", "apigateway:CreateDeployment", "apigateway:GetDeployments", "apigateway:CreateStage", "apigateway:UpdateStage",
		"apigateway:GetApiKeys", "apigateway:CreateApiKey", "apigateway:GetUsagePlans", "apigateway:CreateUsagePlan",
		"apigateway:CreateUsagePlanKey", "apigateway:TestInvokeMethod", "apigateway:GetUsagePlanKeys",
	}
	// opsUndo deletes what a run made, in reverse, finding by tag what its journal lacks.
	opsUndo = []string{
		"ec2:DescribeSecurityGroups", "ec2:DescribeInstances", "ec2:RevokeSecurityGroupIngress",
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeListeners",
		"elasticloadbalancing:DescribeTags", "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:DeleteListener",
		"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
		"apigateway:GetVpcLinks", "apigateway:GetVpcLink", "apigateway:DeleteVpcLink",
		"apigateway:GetRestApis", "apigateway:DeleteRestApi", "apigateway:GetResources", "apigateway:DeleteResource",
		"apigateway:DeleteMethod", "apigateway:GetStage", "apigateway:UpdateStage", "apigateway:DeleteStage", "apigateway:GetDeployments", "apigateway:DeleteDeployment",
		"apigateway:GetApiKeys", "apigateway:DeleteApiKey", "apigateway:GetUsagePlans", "apigateway:GetUsagePlan",
		"apigateway:UpdateUsagePlan", "apigateway:DeleteUsagePlan",
	}
	// opsCheck sends a request through a run's chain and reads every hop of it; apply,
	// resume and the wizard run it when they finish.
	opsCheck = []string{
		"sts:GetCallerIdentity",
		"apigateway:GetStage", "apigateway:GetVpcLink", "apigateway:GetResources", "apigateway:TestInvokeMethod", "apigateway:GetApiKey",
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTargetGroups",
		"elasticloadbalancing:DescribeTargetHealth",
		"ec2:DescribeInstances", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces", "ec2:DescribeNetworkAcls",
	}
)

// opsScan lists the region's load balancers, target groups, VPC links, REST APIs and their
// stages, and reads the targets' health and security groups (and, for groups that do not
// admit a load balancer, its addresses): scan changes nothing.
var opsScan = []string{
	"ec2:DescribeVpcs", "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces",
	"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeListeners",
	"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
	"apigateway:GetVpcLinks", "apigateway:GetRestApis", "apigateway:GetResources", "apigateway:GetStages", "apigateway:GetDeployments",
}

// opsLive reads what a run made, and finds by tag what its journal lacks: status --live
// changes nothing.
var opsLive = []string{
	"ec2:DescribeSecurityGroups",
	"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeListeners",
	"elasticloadbalancing:DescribeTargetHealth",
	"apigateway:GetVpcLinks", "apigateway:GetVpcLink", "apigateway:GetRestApis", "apigateway:GetRestApi", "apigateway:GetResources",
	"apigateway:GetDeployments", "apigateway:GetStage", "apigateway:GetApiKeys", "apigateway:GetUsagePlans", "apigateway:GetUsagePlan",
	"apigateway:GetUsagePlanKeys",
}

// CommandOperations returns the operations a command may call, sorted. A failed build rolls
// back, so apply, resume and the wizard also need what destroy needs. status (without --live)
// and demo reset read local files only.
func CommandOperations(c Command) []string {
	var groups [][]string
	switch c {
	case CmdWizard, CmdApply, CmdResume:
		groups = [][]string{opsResolve, opsBuild, opsUndo, opsCheck}
	case CmdFinish:
		groups = [][]string{opsScan, opsResolve, opsBuild, opsUndo, opsCheck}
	case CmdScan:
		groups = [][]string{opsScan}
	case CmdCheck:
		groups = [][]string{opsCheck}
	case CmdDryRun:
		groups = [][]string{opsResolve}
	case CmdDestroy:
		groups = [][]string{{"sts:GetCallerIdentity"}, opsUndo}
	case CmdStatusLive:
		groups = [][]string{opsLive}
	}
	set := map[string]bool{}
	for _, g := range groups {
		for _, op := range g {
			set[op] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// operation returns the list's entry for op.
func operation(op string) (Operation, bool) {
	for _, o := range Operations() {
		if o.Name == op {
			return o, true
		}
	}
	return Operation{}, false
}

// Grants returns the grants op needs, and false for an operation the list lacks.
func Grants(op string) ([]Grant, bool) {
	o, ok := operation(op)
	return o.Grants, ok
}

// IAMAction is the IAM action an operation needs first (named "service:Operation", or an API
// Gateway operation without its "apigateway:" prefix). API Gateway authorizes by HTTP verb,
// so CreateRestApi needs apigateway:POST. An operation the list lacks is guessed from its
// name; a test keeps the list complete.
func IAMAction(op string) string {
	service, name, ok := strings.Cut(op, ":")
	if !ok {
		service, name, op = "apigateway", op, "apigateway:"+op
	}
	if o, found := operation(op); found {
		if len(o.Grants) == 0 {
			return op
		}
		return o.Grants[0].Action
	}
	if service != "apigateway" {
		return op
	}
	for prefix, verb := range map[string]string{"Create": "POST", "Delete": "DELETE", "Update": "PATCH", "Put": "PUT"} {
		if strings.HasPrefix(name, prefix) {
			return "apigateway:" + verb
		}
	}
	return "apigateway:GET"
}

// deniedAction reads the action out of AWS's "... is not authorized to perform: ACTION on
// resource ..." (or "... perform: ACTION because ..."), or "".
func deniedAction(msg string) string {
	_, rest, ok := strings.Cut(msg, "not authorized to perform: ")
	if !ok {
		return ""
	}
	action, _, _ := strings.Cut(rest, " ")
	return strings.TrimRight(action, ".,;")
}

// Scope is what a policy is narrowed to: a region ("" for every region) and the parts of
// the chain a plan has.
type Scope struct {
	Region   string
	Features Feature
}

// StringList is a policy field that IAM accepts as one string or a list.
type StringList []string

// UnmarshalJSON accepts "x" or ["x", "y"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings: %w", err)
	}
	*l = many
	return nil
}

// Statement is one statement of an IAM policy.
type Statement struct {
	Sid         string                           `json:"Sid,omitempty"`
	Effect      string                           `json:"Effect"`
	Action      StringList                       `json:"Action,omitempty"`
	NotAction   StringList                       `json:"NotAction,omitempty"`
	Resource    StringList                       `json:"Resource,omitempty"`
	NotResource StringList                       `json:"NotResource,omitempty"`
	Condition   map[string]map[string]StringList `json:"Condition,omitempty"`
}

// Policy is an IAM identity-based policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// JSON is the policy as IAM takes it, indented, with a final newline.
func (p Policy) JSON() string {
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b) + "\n"
}

// Partition is the ARN partition of a region: aws-cn, aws-us-gov, or aws (also for "").
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// fill puts a scope's partition, region and account into an ARN pattern.
func fill(pattern, partition, region, account string) string {
	return strings.NewReplacer("{partition}", partition, "{region}", region, "{account}", account).Replace(pattern)
}

// PolicyFor returns the least-privilege policy for the given commands within scope: one
// statement per group of grants, actions and resources sorted, a resource another in the
// same statement already covers left out.
func PolicyFor(cmds []Command, scope Scope) Policy {
	region := scope.Region
	if region == "" {
		region = "*"
	}
	partition := Partition(scope.Region)
	ops := map[string]bool{}
	for _, c := range cmds {
		for _, op := range CommandOperations(c) {
			ops[op] = true
		}
	}
	type group struct {
		actions, resources map[string]bool
		condition          map[string]map[string]map[string]bool
	}
	groups := map[string]*group{}
	for _, o := range Operations() {
		if !ops[o.Name] || (o.Only != 0 && scope.Features&o.Only == 0) {
			continue
		}
		for _, g := range o.Grants {
			gr := groups[g.Sid]
			if gr == nil {
				gr = &group{actions: map[string]bool{}, resources: map[string]bool{}, condition: map[string]map[string]map[string]bool{}}
				groups[g.Sid] = gr
			}
			gr.actions[g.Action] = true
			gr.resources[fill(g.Resource, partition, region, "*")] = true
			for op, keys := range g.Condition {
				if gr.condition[op] == nil {
					gr.condition[op] = map[string]map[string]bool{}
				}
				for k, vs := range keys {
					if gr.condition[op][k] == nil {
						gr.condition[op][k] = map[string]bool{}
					}
					for _, v := range vs {
						gr.condition[op][k][v] = true
					}
				}
			}
		}
	}
	p := Policy{Version: "2012-10-17", Statement: []Statement{}}
	for _, sid := range sidOrder {
		gr := groups[sid]
		if gr == nil {
			continue
		}
		st := Statement{Sid: sid, Effect: "Allow", Action: slices.Sorted(maps.Keys(gr.actions))}
		for _, r := range slices.Sorted(maps.Keys(gr.resources)) {
			covered := false
			for other := range gr.resources {
				if other != r && Match(other, r, false) {
					covered = true
				}
			}
			if !covered {
				st.Resource = append(st.Resource, r)
			}
		}
		if len(gr.condition) > 0 {
			st.Condition = map[string]map[string]StringList{}
			for op, keys := range gr.condition {
				st.Condition[op] = map[string]StringList{}
				for k, vs := range keys {
					st.Condition[op][k] = slices.Sorted(maps.Keys(vs))
				}
			}
		}
		p.Statement = append(p.Statement, st)
	}
	return p
}

// Allows evaluates the policy as IAM does for one action on one resource, with ctx the
// request's condition keys: an explicit Deny wins, else an Allow is needed. Conditions
// support StringEquals, StringNotEquals and StringLike; any other operator never matches.
func (p Policy) Allows(action, resource string, ctx map[string]string) (allowed, explicitDeny bool) {
	for _, st := range p.Statement {
		if !statementMatches(st, action, resource, ctx) {
			continue
		}
		if st.Effect == "Deny" {
			return false, true
		}
		allowed = true
	}
	return allowed, false
}

func statementMatches(st Statement, action, resource string, ctx map[string]string) bool {
	anyMatch := func(patterns []string, v string, fold bool) bool {
		for _, p := range patterns {
			if Match(p, v, fold) {
				return true
			}
		}
		return false
	}
	if len(st.Action) > 0 && !anyMatch(st.Action, action, true) || len(st.NotAction) > 0 && anyMatch(st.NotAction, action, true) {
		return false
	}
	if len(st.Resource) > 0 && !anyMatch(st.Resource, resource, false) || len(st.NotResource) > 0 && anyMatch(st.NotResource, resource, false) {
		return false
	}
	for operator, keys := range st.Condition {
		for key, values := range keys {
			v, present := ctx[key]
			var ok bool
			switch operator {
			case "StringEquals":
				ok = present && slices.Contains(values, v)
			case "StringLike":
				ok = present && slices.ContainsFunc(values, func(x string) bool { return Match(x, v, false) })
			case "StringNotEquals":
				ok = !present || !slices.Contains(values, v)
			default:
				ok = false // an operator the demo account does not know never matches
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// Match reports whether value matches an IAM pattern, where * matches any run of characters
// (slashes included) and ? any one character; fold makes it case-insensitive, as IAM
// compares actions.
func Match(pattern, value string, fold bool) bool {
	if fold {
		pattern, value = strings.ToLower(pattern), strings.ToLower(value)
	}
	// Iterative wildcard match with backtracking to the last star.
	p, v, star, mark := 0, 0, -1, 0
	for v < len(value) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, v
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == value[v]):
			p++
			v++
		case star >= 0:
			p = star + 1
			mark++
			v = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
