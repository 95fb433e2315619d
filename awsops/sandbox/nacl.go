package sandbox

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func init() {
	knownOps["DescribeNetworkAcls"] = true
}

// networkACL is a network ACL other than a VPC's default: the subnets associated with it
// and its rules.
type networkACL struct {
	ID      string     `json:"id"`
	VPC     string     `json:"vpc"`
	Subnets []string   `json:"subnets"`
	Entries []aclEntry `json:"entries"`
}

// aclEntry is one numbered rule; Protocol "-1" is every protocol, "6" TCP.
type aclEntry struct {
	Number   int32  `json:"number"`
	Egress   bool   `json:"egress"`
	Protocol string `json:"protocol"`
	Allow    bool   `json:"allow"`
	CIDR     string `json:"cidr"`
	From     int32  `json:"from,omitempty"`
	To       int32  `json:"to,omitempty"`
}

// defaultACLEntries are the rules of the network ACL AWS gives every VPC: all traffic
// allowed both ways (rule 100), then the catch-all deny (rule 32767, shown as "*").
var defaultACLEntries = []aclEntry{
	{Number: 100, Protocol: "-1", Allow: true, CIDR: "0.0.0.0/0"},
	{Number: 32767, Protocol: "-1", CIDR: "0.0.0.0/0"},
	{Number: 100, Egress: true, Protocol: "-1", Allow: true, CIDR: "0.0.0.0/0"},
	{Number: 32767, Egress: true, Protocol: "-1", CIDR: "0.0.0.0/0"},
}

// defaultACLID is the id of a VPC's default network ACL, stable for the VPC.
func defaultACLID(vpcID string) string {
	return "acl-" + strings.TrimPrefix(vpcID, "vpc-")
}

// networkACLs is every network ACL of the account: each VPC's default one, which guards
// every subnet no other ACL is associated with, and the others.
func (st *state) networkACLs() []ec2types.NetworkAcl {
	var out []ec2types.NetworkAcl
	describe := func(id, vpcID string, def bool, subnets []string, entries []aclEntry) ec2types.NetworkAcl {
		acl := ec2types.NetworkAcl{NetworkAclId: aws.String(id), VpcId: aws.String(vpcID), IsDefault: aws.Bool(def), OwnerId: aws.String(AccountID)}
		for i, sn := range subnets {
			acl.Associations = append(acl.Associations, ec2types.NetworkAclAssociation{
				NetworkAclAssociationId: aws.String("aclassoc-" + strings.TrimPrefix(id, "acl-")[:9] + string(rune('a'+i%26))),
				NetworkAclId:            aws.String(id), SubnetId: aws.String(sn)})
		}
		for _, e := range entries {
			ne := ec2types.NetworkAclEntry{RuleNumber: aws.Int32(e.Number), Egress: aws.Bool(e.Egress), Protocol: aws.String(e.Protocol),
				RuleAction: ec2types.RuleActionDeny, CidrBlock: aws.String(e.CIDR)}
			if e.Allow {
				ne.RuleAction = ec2types.RuleActionAllow
			}
			if e.Protocol != "-1" {
				ne.PortRange = &ec2types.PortRange{From: aws.Int32(e.From), To: aws.Int32(e.To)}
			}
			acl.Entries = append(acl.Entries, ne)
		}
		return acl
	}
	for _, v := range st.VPCs {
		var subnets []string
		for _, sn := range st.Subnets {
			if sn.VPC == v.ID && !slices.ContainsFunc(st.NetworkACLs, func(a *networkACL) bool { return slices.Contains(a.Subnets, sn.ID) }) {
				subnets = append(subnets, sn.ID)
			}
		}
		out = append(out, describe(defaultACLID(v.ID), v.ID, true, subnets, defaultACLEntries))
	}
	for _, a := range st.NetworkACLs {
		out = append(out, describe(a.ID, a.VPC, false, a.Subnets, a.Entries))
	}
	return out
}

// DescribeNetworkAcls lists network ACLs, filtered by vpc-id, network-acl-id,
// association.subnet-id or default, as AWS filters them.
func (e *ec2API) DescribeNetworkAcls(_ context.Context, in *ec2.DescribeNetworkAclsInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	out := &ec2.DescribeNetworkAclsOutput{}
	err := e.s.do(svcEC2, "DescribeNetworkAcls", false, func(st *state, _ time.Time) error {
		for _, acl := range st.networkACLs() {
			if len(in.NetworkAclIds) > 0 && !slices.Contains(in.NetworkAclIds, aws.ToString(acl.NetworkAclId)) {
				continue
			}
			fields := map[string]string{"vpc-id": aws.ToString(acl.VpcId), "network-acl-id": aws.ToString(acl.NetworkAclId), "default": "false"}
			if aws.ToBool(acl.IsDefault) {
				fields["default"] = "true"
			}
			ok, err := matchesAny(in.Filters, fields, "association.subnet-id", acl.Associations)
			if err != nil {
				return err
			}
			if ok {
				out.NetworkAcls = append(out.NetworkAcls, acl)
			}
		}
		return nil
	})
	return out, err
}

// matchesAny applies filters where one field (a subnet association) has many values: the
// object matches when the other filters do and one of its values matches that field's.
func matchesAny(filters []ec2types.Filter, fields map[string]string, multi string, assocs []ec2types.NetworkAclAssociation) (bool, error) {
	var rest []ec2types.Filter
	var want *ec2types.Filter
	for i, f := range filters {
		if aws.ToString(f.Name) == multi {
			want = &filters[i]
			continue
		}
		rest = append(rest, f)
	}
	ok, err := matches(rest, fields)
	if err != nil || !ok || want == nil {
		return ok, err
	}
	for _, a := range assocs {
		if m, _ := matches([]ec2types.Filter{*want}, map[string]string{multi: aws.ToString(a.SubnetId)}); m {
			return true, nil
		}
	}
	return false, nil
}
