package steps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

// Scenario is a training scenario of the demo account: a prepared state, often a built chain
// with one thing broken, for students to diagnose.
type Scenario struct {
	// Name is what `vpclink demo scenario start NAME` takes.
	Name string
	// Broken says what is broken, in one line.
	Broken string
	// Find says what the students should find, in one line.
	Find string

	// plan is the YAML of the plan the scenario builds or prepares.
	plan string
	// build is false for a scenario that prepares a plan file without building it.
	build bool
	// steps, when set, builds only these steps, as a person who stopped halfway would.
	steps []string
	// breaks breaks the built chain; nil leaves it working.
	breaks func(ctx context.Context, sb *sandbox.Sandbox, acct *awsops.Account, j *Journal) error
	// fix, when set, says with the started scenario's ids how to mend what breaks broke by
	// hand; it is added to Find.
	fix func(ctx context.Context, acct *awsops.Account, j *Journal) (string, error)
}

// scenarioPlan is the orders service of the demo account behind a new REST API, as
// examples/demo.yaml builds it; logging is the stage's logging level.
func scenarioPlan(scenario, logging string) string {
	return `name: orders
vpc: prod-vpc
subnets: [prod-private-a, prod-private-b]
loadBalancer:
  port: 80
  healthCheck: {path: /health, interval: 10, healthyThreshold: 3, unhealthyThreshold: 3}
targets:
  instances: [orders-api-1, orders-api-2]
  port: 80
securityGroups: {mode: nlb-ips}
vpcLink: {}
api:
  methods: [GET, POST, PATCH, DELETE]
  authorization: NONE
stage:
  name: dev
  logging: "` + logging + `"
tags:
  team: training
  scenario: ` + scenario + `
`
}

// linkFailedMessage is the statusMessage AWS gives a VPC link that cannot place its network
// interfaces in the load balancer's subnets.
const linkFailedMessage = "Failed to create network interfaces for the VPC link in the load balancer's subnets: insufficient free IP addresses"

// Scenarios lists the training scenarios, in the order a training might take them.
func Scenarios() []Scenario {
	list := []Scenario{
		{Name: "healthy", Broken: "nothing: a working chain",
			Find: "a request answers 200 with the orders service's JSON; every hop is fine", build: true},
		{Name: "sg-blocks-nlb", Broken: "the targets' security group rules that admit the NLB were revoked",
			Find:  "504 Endpoint request timed out; targets unhealthy (Target.FailedHealthChecks); orders-api-sg has no rule for the NLB's addresses on port 80",
			build: true, breaks: func(ctx context.Context, _ *sandbox.Sandbox, acct *awsops.Account, j *Journal) error {
				for _, r := range j.Resources.Ingress {
					if err := acct.RevokeIngress(ctx, r); err != nil {
						return err
					}
				}
				return nil
			}},
		{Name: "service-down", Broken: "the orders service on both targets was stopped (nothing listens on port 80)",
			Find:  "500 Internal server error (configuration error); targets unhealthy (Target.FailedHealthChecks) although the instances run and the security groups admit the NLB",
			build: true, breaks: func(_ context.Context, sb *sandbox.Sandbox, _ *awsops.Account, j *Journal) error {
				return forEachTarget(j, func(id string) error { return sb.SetService(id, 0, true) })
			}},
		{Name: "wrong-port", Broken: "the orders service now listens on 8080 while the listener and target group send to port 80",
			Find:  "500 Internal server error; targets unhealthy (Target.FailedHealthChecks); the target group's port (80) is not the service's (8080)",
			build: true, breaks: func(_ context.Context, sb *sandbox.Sandbox, _ *awsops.Account, j *Journal) error {
				return forEachTarget(j, func(id string) error { return sb.SetService(id, 8080, false) })
			}},
		{Name: "stopped-target", Broken: "the target instances were stopped after the build",
			Find:  "500 Internal server error; targets unused with Target.InvalidState (\"Target is in the stopped state\")",
			build: true, breaks: func(_ context.Context, sb *sandbox.Sandbox, _ *awsops.Account, j *Journal) error {
				return forEachTarget(j, sb.StopInstance)
			}},
		{Name: "link-failed", Broken: "the VPC link is FAILED",
			Find:  "500 Internal server error; the VPC link's status is FAILED with statusMessage \"" + linkFailedMessage + "\"",
			build: true, breaks: func(_ context.Context, sb *sandbox.Sandbox, _ *awsops.Account, j *Journal) error {
				return sb.FailVPCLink(j.Resources.VPCLinkID, linkFailedMessage)
			}},
		{Name: "nacl-deny", Broken: "the targets' subnets were moved to a new network ACL, " + lockdownACL + ", whose rule 100 denies TCP 80 from the VPC",
			Find: "504 Endpoint request timed out; targets unhealthy (Target.FailedHealthChecks) although the instances run and the security groups admit the NLB; " +
				"the network-acls hop names the new ACL's rule 100 denying the NLB on port 80. vpclink resume cannot mend it (vpclink made no network ACL): put each subnet back on " +
				"the VPC's default network ACL with `aws ec2 replace-network-acl-association --association-id ASSOCIATION --network-acl-id DEFAULT-ACL` " +
				"(`aws ec2 describe-network-acls --filters Name=association.subnet-id,Values=SUBNET` lists both)",
			build: true, breaks: denyNLBByNetworkACL, fix: restoreDefaultACLs},
		{Name: "no-cloudwatch-role", Broken: "API Gateway has no CloudWatch Logs role in the region, and the prepared plan turns on logging",
			Find: "the preflight refuses the plan before anything is created, naming the missing CloudWatch Logs role and how to set it"},
		{Name: "stage-variables-missing", Broken: "the stage was deployed without the VPCLink and VPCNLB stage variables (the last step of the console guide forgotten)",
			Find:  "500 Internal server error (configuration error: invalid VPC link identifier); the stage has no VPCLink or VPCNLB variable",
			build: true, breaks: func(_ context.Context, sb *sandbox.Sandbox, _ *awsops.Account, j *Journal) error {
				return sb.UnsetStageVariables(j.Resources.RestAPIID, j.Resources.Stage, awsops.StageVarLink, awsops.StageVarNLB)
			}},
		{Name: "half-made-by-hand", Broken: "an NLB, target group, listener, targets and VPC link made by hand, then abandoned: no API, no run",
			Find:  "the pieces exist (healthy targets, an AVAILABLE link) but nothing uses them; finish with an existing NLB and VPC link (examples/existing-nlb.yaml) instead of building them twice",
			build: true, steps: []string{IDTargetGroup, IDLoadBalancer, IDListener, IDRegister, IDWaitNLB, IDIngress, IDVPCLink, IDTargetHealth}},
	}
	for i := range list {
		list[i].plan = scenarioPlan(list[i].Name, "OFF")
	}
	list[slices.IndexFunc(list, func(s Scenario) bool { return s.Name == "no-cloudwatch-role" })].plan = scenarioPlan("no-cloudwatch-role", "INFO")
	return list
}

func forEachTarget(j *Journal, fn func(id string) error) error {
	for _, id := range j.Resources.Registered {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// FindScenario returns the scenario called name, or an error that lists them.
func FindScenario(name string) (Scenario, error) {
	var names []string
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Scenario{}, fmt.Errorf("no training scenario %q; the scenarios are %v (vpclink demo scenario list describes them)", name, names)
}

// ScenarioRun is what starting a scenario made.
type ScenarioRun struct {
	Scenario Scenario
	// Region is the demo account's region the scenario was started in.
	Region string
	// Journal is the run the scenario registered; nil when it built no run.
	Journal *Journal
	// PlanFile is the plan the scenario prepared for the students to run, if any.
	PlanFile string
	// LoadBalancerARN and VPCLinkID name what a half-made chain left, for the brief.
	LoadBalancerARN, VPCLinkID string
}

// StartScenario resets the demo account sb to its seed, forgets the demo runs of its region
// in store, and prepares the scenario: it builds the scenario's plan through the runner (sb
// should run at speed 0), registers the run in store, then breaks what the scenario breaks
// through the demo account's hooks.
func StartScenario(ctx context.Context, sb *sandbox.Sandbox, store *Store, sc Scenario) (*ScenarioRun, error) {
	acct := sb.Account()
	runs, _, err := store.Scan()
	if err != nil {
		return nil, err
	}
	if err := sb.Reset(); err != nil {
		return nil, fmt.Errorf("reset the demo account: %w", err)
	}
	for _, j := range runs {
		if j.Region == acct.Region {
			if err := store.Remove(j.RunID); err != nil {
				return nil, fmt.Errorf("forget demo run %s: %w", j.RunID, err)
			}
		}
	}
	out := &ScenarioRun{Scenario: sc, Region: acct.Region}
	p, err := ParsePlan("scenario "+sc.Name, []byte(sc.plan))
	if err != nil {
		return nil, err
	}
	if !sc.build {
		// The plan is left for the students to apply: the preflight refuses it.
		if err := sb.ClearLoggingRole(); err != nil {
			return nil, fmt.Errorf("unset the CloudWatch Logs role: %w", err)
		}
		dir := filepath.Join(store.Dir, "scenarios")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		out.PlanFile = filepath.Join(dir, sc.Name+".yaml")
		if err := os.WriteFile(out.PlanFile, []byte("region: "+acct.Region+"\n"+sc.plan), 0o600); err != nil {
			return nil, fmt.Errorf("write plan %s: %w", out.PlanFile, err)
		}
		return out, nil
	}
	res, err := Resolve(ctx, acct, p)
	if err != nil {
		return nil, fmt.Errorf("resolve the scenario's plan: %w", err)
	}
	r := &Runner{Account: acct, Store: store}
	defer r.Close() // the scenario's run is free for the trainee's vpclink
	if sc.steps != nil {
		for _, s := range All(acct) {
			if slices.Contains(sc.steps, s.ID()) {
				r.Steps = append(r.Steps, s)
			}
		}
	}
	j, err := r.NewJournal(p, res, "", true)
	if err != nil {
		return nil, err
	}
	if err := r.Apply(ctx, j); err != nil {
		return nil, fmt.Errorf("build the scenario's chain: %w", err)
	}
	if sc.steps != nil {
		// Made by hand: no run remembers it, and no resource carries vpclink's tags.
		out.LoadBalancerARN, out.VPCLinkID = j.Resources.LoadBalancerARN, j.Resources.VPCLinkID
		if err := store.Remove(j.RunID); err != nil {
			return nil, err
		}
		if err := sb.RemoveTags("vpclink:"); err != nil {
			return nil, fmt.Errorf("remove vpclink's tags: %w", err)
		}
		return out, nil
	}
	if sc.breaks != nil {
		if err := sc.breaks(ctx, sb, acct, j); err != nil {
			return nil, fmt.Errorf("break the chain for scenario %s: %w", sc.Name, err)
		}
	}
	if sc.fix != nil {
		fix, err := sc.fix(ctx, acct, j)
		if err != nil {
			return nil, fmt.Errorf("describe the fix of scenario %s: %w", sc.Name, err)
		}
		out.Scenario.Find += "; here: " + fix
	}
	out.Journal = j
	return out, nil
}

// lockdownACL names the network ACL the nacl-deny scenario makes.
const lockdownACL = "prod-private-lockdown"

// aclEditor is the part of EC2 a person uses to change network ACLs by hand. vpclink never
// changes one: only the nacl-deny scenario does, on the demo account, whose EC2 has it.
type aclEditor interface {
	CreateNetworkAcl(context.Context, *ec2.CreateNetworkAclInput, ...func(*ec2.Options)) (*ec2.CreateNetworkAclOutput, error)
	CreateNetworkAclEntry(context.Context, *ec2.CreateNetworkAclEntryInput, ...func(*ec2.Options)) (*ec2.CreateNetworkAclEntryOutput, error)
	ReplaceNetworkAclAssociation(context.Context, *ec2.ReplaceNetworkAclAssociationInput, ...func(*ec2.Options)) (*ec2.ReplaceNetworkAclAssociationOutput, error)
	DescribeNetworkAcls(context.Context, *ec2.DescribeNetworkAclsInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error)
}

func aclEditorOf(acct *awsops.Account) (aclEditor, error) {
	e, ok := acct.EC2.(aclEditor)
	if !ok {
		return nil, fmt.Errorf("change network ACLs: this account's EC2 cannot; the scenario needs the demo account")
	}
	return e, nil
}

// targetSubnets are the subnets of a run's registered targets, sorted.
func targetSubnets(ctx context.Context, acct *awsops.Account, j *Journal) ([]string, error) {
	insts, err := acct.FindInstances(ctx, j.Resources.VPCID, j.Resources.Registered)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, in := range insts {
		ids = append(ids, in.SubnetID)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// aclAssociation is the network ACL that guards a subnet and the association's id.
func aclAssociation(ctx context.Context, e aclEditor, subnetID string) (assoc string, acl ec2types.NetworkAcl, err error) {
	out, err := e.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnetID}}}})
	if err != nil {
		return "", acl, fmt.Errorf("describe the network ACL of %s: %w", subnetID, err)
	}
	for _, a := range out.NetworkAcls {
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == subnetID {
				return aws.ToString(as.NetworkAclAssociationId), a, nil
			}
		}
	}
	return "", acl, fmt.Errorf("describe the network ACL of %s: no ACL is associated with it", subnetID)
}

// denyNLBByNetworkACL does what a person locking down the private subnets might: a new
// network ACL whose first rule denies the service's port from the whole VPC, the rest of the
// VPC's traffic and the answers from the internet allowed, everything allowed out; then the
// targets' subnets are moved to it. The load balancer's addresses are in the VPC, so its
// checks and requests are dropped.
func denyNLBByNetworkACL(ctx context.Context, _ *sandbox.Sandbox, acct *awsops.Account, j *Journal) error {
	e, err := aclEditorOf(acct)
	if err != nil {
		return err
	}
	subnets, err := targetSubnets(ctx, acct, j)
	if err != nil {
		return err
	}
	made, err := e.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(j.Resources.VPCID), TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: ec2types.ResourceTypeNetworkAcl, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(lockdownACL)}}}}})
	if err != nil {
		return fmt.Errorf("create network acl in %s: %w", j.Resources.VPCID, err)
	}
	acl := aws.ToString(made.NetworkAcl.NetworkAclId)
	port := j.Plan.Targets.Port
	for _, r := range []struct {
		n        int32
		egress   bool
		proto    string
		allow    bool
		cidr     string
		from, to int32
	}{
		{100, false, "6", false, j.Resources.VPCCIDR, port, port},
		{200, false, "-1", true, j.Resources.VPCCIDR, 0, 0},
		{300, false, "6", true, "0.0.0.0/0", 1024, 65535},
		{100, true, "-1", true, "0.0.0.0/0", 0, 0},
	} {
		in := &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(r.n), Egress: aws.Bool(r.egress), Protocol: aws.String(r.proto),
			RuleAction: ec2types.RuleActionDeny, CidrBlock: aws.String(r.cidr)}
		if r.allow {
			in.RuleAction = ec2types.RuleActionAllow
		}
		if r.proto == "6" {
			in.PortRange = &ec2types.PortRange{From: aws.Int32(r.from), To: aws.Int32(r.to)}
		}
		if _, err := e.CreateNetworkAclEntry(ctx, in); err != nil {
			return fmt.Errorf("create network acl entry %d of %s: %w", r.n, acl, err)
		}
	}
	for _, sn := range subnets {
		assoc, _, err := aclAssociation(ctx, e, sn)
		if err != nil {
			return err
		}
		if _, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(acl)}); err != nil {
			return fmt.Errorf("replace network acl association %s of %s: %w", assoc, sn, err)
		}
	}
	return nil
}

// restoreDefaultACLs is the AWS CLI that puts the targets' subnets back on their VPC's
// default network ACL, one command a subnet.
func restoreDefaultACLs(ctx context.Context, acct *awsops.Account, j *Journal) (string, error) {
	e, err := aclEditorOf(acct)
	if err != nil {
		return "", err
	}
	subnets, err := targetSubnets(ctx, acct, j)
	if err != nil {
		return "", err
	}
	out, err := e.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{j.Resources.VPCID}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	if err != nil {
		return "", fmt.Errorf("describe the default network acl of %s: %w", j.Resources.VPCID, err)
	}
	if len(out.NetworkAcls) != 1 {
		return "", fmt.Errorf("describe the default network acl of %s: %d found, want one", j.Resources.VPCID, len(out.NetworkAcls))
	}
	def := aws.ToString(out.NetworkAcls[0].NetworkAclId)
	var cmds []string
	for _, sn := range subnets {
		assoc, _, err := aclAssociation(ctx, e, sn)
		if err != nil {
			return "", err
		}
		cmds = append(cmds, fmt.Sprintf("`aws ec2 replace-network-acl-association --association-id %s --network-acl-id %s`", assoc, def))
	}
	return strings.Join(cmds, " and "), nil
}
