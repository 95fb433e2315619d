package sandbox_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

// aclEditor is the part of EC2 a person uses to change network ACLs; the demo account's
// EC2 has it although vpclink never calls it.
type aclEditor interface {
	CreateNetworkAcl(context.Context, *ec2.CreateNetworkAclInput, ...func(*ec2.Options)) (*ec2.CreateNetworkAclOutput, error)
	CreateNetworkAclEntry(context.Context, *ec2.CreateNetworkAclEntryInput, ...func(*ec2.Options)) (*ec2.CreateNetworkAclEntryOutput, error)
	DeleteNetworkAclEntry(context.Context, *ec2.DeleteNetworkAclEntryInput, ...func(*ec2.Options)) (*ec2.DeleteNetworkAclEntryOutput, error)
	ReplaceNetworkAclAssociation(context.Context, *ec2.ReplaceNetworkAclAssociationInput, ...func(*ec2.Options)) (*ec2.ReplaceNetworkAclAssociationOutput, error)
	DescribeNetworkAcls(context.Context, *ec2.DescribeNetworkAclsInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error)
}

func editor(t *testing.T, a *awsops.Account) aclEditor {
	t.Helper()
	e, ok := a.EC2.(aclEditor)
	if !ok {
		t.Fatal("the demo account's EC2 cannot change network ACLs")
	}
	return e
}

func tcpEntry(acl string, n int32, egress, allow bool, cidr string, from, to int32) *ec2.CreateNetworkAclEntryInput {
	action := ec2types.RuleActionDeny
	if allow {
		action = ec2types.RuleActionAllow
	}
	return &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(n), Egress: aws.Bool(egress), Protocol: aws.String("6"),
		RuleAction: action, CidrBlock: aws.String(cidr), PortRange: &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}}
}

// associationOf returns the id of the association between a subnet and its network ACL,
// and that ACL's id, as DescribeNetworkAcls lists them.
func associationOf(t *testing.T, e aclEditor, subnetID string) (assoc, acl string) {
	t.Helper()
	out, err := e.DescribeNetworkAcls(context.Background(), &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnetID}}}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("network ACL of %s: %+v, %v; want one", subnetID, out, err)
	}
	for _, as := range out.NetworkAcls[0].Associations {
		if aws.ToString(as.SubnetId) == subnetID {
			return aws.ToString(as.NetworkAclAssociationId), aws.ToString(out.NetworkAcls[0].NetworkAclId)
		}
	}
	t.Fatalf("no association of %s in %+v", subnetID, out.NetworkAcls[0])
	return "", ""
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// The network ACL calls refuse what EC2 refuses, with its error codes, and a new ACL
// denies everything until rules are added.
func TestNetworkACLCallsRefuseWhatEC2Refuses(t *testing.T) {
	_, a := open(t, sandbox.Options{Speed: 0})
	ctx := context.Background()
	w := look(t, a)
	e := editor(t, a)
	if _, err := e.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String("vpc-0nope")}); apiCode(err) != "InvalidVpcID.NotFound" {
		t.Errorf("an ACL in an unknown VPC: %v; want InvalidVpcID.NotFound", err)
	}
	made, err := e.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(w.vpc.ID)})
	if err != nil {
		t.Fatal(err)
	}
	acl := aws.ToString(made.NetworkAcl.NetworkAclId)
	if !regexp.MustCompile(`^acl-0[0-9a-f]{16}$`).MatchString(acl) || aws.ToBool(made.NetworkAcl.IsDefault) || len(made.NetworkAcl.Associations) != 0 {
		t.Errorf("new ACL %+v; want an acl- id, not default, no subnet", made.NetworkAcl)
	}
	for _, en := range made.NetworkAcl.Entries {
		if aws.ToInt32(en.RuleNumber) != 32767 || en.RuleAction != ec2types.RuleActionDeny {
			t.Errorf("new ACL entry %+v; want only the catch-all deny", en)
		}
	}
	for name, c := range map[string]struct {
		in   *ec2.CreateNetworkAclEntryInput
		code string
	}{
		"an unknown ACL":                   {tcpEntry("acl-0nope", 100, false, true, "10.0.0.0/16", 80, 80), "InvalidNetworkAclID.NotFound"},
		"rule number 0":                    {tcpEntry(acl, 0, false, true, "10.0.0.0/16", 80, 80), "InvalidParameterValue"},
		"rule number 32767, the catch-all": {tcpEntry(acl, 32767, false, true, "10.0.0.0/16", 80, 80), "InvalidParameterValue"},
		"a malformed CIDR":                 {tcpEntry(acl, 100, false, true, "10.0.0.300/16", 80, 80), "InvalidParameterValue"},
		"ports the wrong way round":        {tcpEntry(acl, 100, false, true, "10.0.0.0/16", 90, 80), "InvalidParameterValue"},
	} {
		if _, err := e.CreateNetworkAclEntry(ctx, c.in); apiCode(err) != c.code {
			t.Errorf("%s: %v; want %s", name, err, c.code)
		}
	}
	if _, err := e.CreateNetworkAclEntry(ctx, tcpEntry(acl, 100, false, true, "10.0.0.0/16", 80, 80)); err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateNetworkAclEntry(ctx, tcpEntry(acl, 100, false, false, "10.0.0.0/16", 22, 22))
	if apiCode(err) != "NetworkAclEntryAlreadyExists" || !strings.Contains(err.Error(), "The network acl entry identified by 100 already exists.") {
		t.Errorf("a second inbound rule 100: %v; want NetworkAclEntryAlreadyExists", err)
	}
	if _, err := e.CreateNetworkAclEntry(ctx, tcpEntry(acl, 100, true, true, "10.0.0.0/16", 1024, 65535)); err != nil {
		t.Errorf("outbound rule 100 beside inbound rule 100: %v; each direction numbers its own", err)
	}
	assoc, was := associationOf(t, e, w.subnets["prod-private-a"].ID)
	if _, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String("aclassoc-0nope"), NetworkAclId: aws.String(acl)}); apiCode(err) != "InvalidAssociationID.NotFound" {
		t.Errorf("an unknown association: %v; want InvalidAssociationID.NotFound", err)
	}
	// moto answers an unknown association with a crash (StopIteration), and takes rule
	// number 0; both codes here are EC2's.
	if _, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String("acl-0nope")}); apiCode(err) != "InvalidNetworkAclID.NotFound" ||
		!strings.Contains(err.Error(), "The networkAcl ID 'acl-0nope' does not exist") {
		t.Errorf("an unknown ACL: %v; want InvalidNetworkAclID.NotFound", err)
	}
	out, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(acl)})
	if err != nil {
		t.Fatal(err)
	}
	now, guard := associationOf(t, e, w.subnets["prod-private-a"].ID)
	if guard != acl || now != aws.ToString(out.NewAssociationId) || now == assoc {
		t.Errorf("after the replacement prod-private-a is on %s by %s (answer %s); want %s by a new association", guard, now, aws.ToString(out.NewAssociationId), acl)
	}
	if _, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(was)}); apiCode(err) != "InvalidAssociationID.NotFound" {
		t.Errorf("the replaced association again: %v; want InvalidAssociationID.NotFound", err)
	}
}

// Target health follows the network ACLs as AWS evaluates them: stateless, rules in order,
// the first match deciding. The load balancer's checks need inbound on the target port in
// the target's subnet and the answers out on the ephemeral ports; a connection within one
// subnet crosses no ACL.
func TestTargetHealthFollowsTheNetworkACLs(t *testing.T) {
	_, a := open(t, sandbox.Options{Speed: 0})
	ctx := context.Background()
	w := look(t, a)
	e := editor(t, a)
	lb, err := a.CreateLoadBalancer(ctx, "n", []string{w.subnets["prod-private-a"].ID, w.subnets["prod-private-b"].ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tgARN := serveOrdersAPIs(t, a, w, lb.ARN, "/health")
	states := func() string {
		h := healthOf(t, a, w, tgARN)
		return strings.TrimSpace(h["orders-api-1"].State+" "+h["orders-api-1"].Reason) + ", " + strings.TrimSpace(h["orders-api-2"].State+" "+h["orders-api-2"].Reason)
	}
	if got := states(); got != "healthy, healthy" {
		t.Fatalf("behind the default ACLs: %s; want both healthy", got)
	}
	made, err := e.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(w.vpc.ID)})
	if err != nil {
		t.Fatal(err)
	}
	acl := aws.ToString(made.NetworkAcl.NetworkAclId)
	assoc, def := associationOf(t, e, w.subnets["prod-private-a"].ID)
	moved, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(acl)})
	if err != nil {
		t.Fatal(err)
	}
	// prod-private-a gets the new ACL. orders-api-1 there is checked from the load balancer's
	// address in prod-private-b: in through the new ACL on port 80, answers out on the
	// ephemeral ports. orders-api-2 in prod-private-b is checked from the address in
	// prod-private-a: out through the new ACL on port 80, answers in on the ephemeral ports.
	// Each one's check from its own subnet crosses no ACL.
	steps := []struct {
		what string
		add  *ec2.CreateNetworkAclEntryInput
		want string
	}{
		{"a new ACL denies everything", nil, "unhealthy Target.FailedHealthChecks, unhealthy Target.FailedHealthChecks"},
		{"inbound 80 from the VPC, but no way out: stateless", tcpEntry(acl, 100, false, true, "10.0.0.0/16", 80, 80), "unhealthy Target.FailedHealthChecks, unhealthy Target.FailedHealthChecks"},
		{"answers out on part of the ephemeral ports only", tcpEntry(acl, 100, true, true, "10.0.0.0/16", 32768, 65535), "unhealthy Target.FailedHealthChecks, unhealthy Target.FailedHealthChecks"},
		{"answers out on all of them", tcpEntry(acl, 110, true, true, "10.0.0.0/16", 1024, 32767), "healthy, unhealthy Target.FailedHealthChecks"},
		{"the load balancer's own connections out", tcpEntry(acl, 120, true, true, "10.0.0.0/16", 80, 80), "healthy, unhealthy Target.FailedHealthChecks"},
		{"answers in on the ephemeral ports", tcpEntry(acl, 110, false, true, "10.0.0.0/16", 1024, 65535), "healthy, healthy"},
		{"a lower-numbered deny of port 80 wins over the allow", tcpEntry(acl, 90, false, false, "10.0.0.0/16", 80, 80), "unhealthy Target.FailedHealthChecks, healthy"},
	}
	for _, s := range steps {
		if s.add != nil {
			if _, err := e.CreateNetworkAclEntry(ctx, s.add); err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
		}
		if got := states(); got != s.want {
			t.Errorf("%s: orders-api-1, orders-api-2 are %s; want %s", s.what, got, s.want)
		}
	}
	if _, err := e.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(90), Egress: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if got := states(); got != "healthy, healthy" {
		t.Errorf("after the deny is deleted: %s; want both healthy", got)
	}
	if _, err := e.CreateNetworkAclEntry(ctx, tcpEntry(acl, 90, false, false, "10.0.0.0/16", 80, 80)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: moved.NewAssociationId, NetworkAclId: aws.String(def)}); err != nil {
		t.Fatal(err)
	}
	if got := states(); got != "healthy, healthy" {
		t.Errorf("back on the default ACL: %s; want both healthy", got)
	}
}
