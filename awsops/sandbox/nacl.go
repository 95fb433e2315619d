package sandbox

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// networkACL is a network ACL: one made beyond each VPC's default, with the subnets
// associated with it, or a VPC's default one once its rules were changed (Default set; it
// guards every subnet of its VPC that no other ACL does).
type networkACL struct {
	ID      string            `json:"id"`
	VPC     string            `json:"vpc"`
	Default bool              `json:"default,omitempty"`
	Subnets []string          `json:"subnets"`
	Entries []aclEntry        `json:"entries"`
	Tags    map[string]string `json:"tags,omitempty"`
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

// newACLEntries are the rules of a network ACL CreateNetworkAcl makes: only the catch-all
// denies, so that it blocks everything until rules are added.
var newACLEntries = []aclEntry{
	{Number: 32767, Protocol: "-1", CIDR: "0.0.0.0/0"},
	{Number: 32767, Egress: true, Protocol: "-1", CIDR: "0.0.0.0/0"},
}

// defaultACLID is the id of a VPC's default network ACL, stable for the VPC.
func defaultACLID(vpcID string) string {
	return "acl-" + strings.TrimPrefix(vpcID, "vpc-")
}

// aclAssociationID is the id of the association between a subnet and the network ACL that
// guards it: stable for the subnet until the association is replaced, which gives a new one.
func (st *state) aclAssociationID(subnetID string) string {
	if id, ok := st.ACLAssociations[subnetID]; ok {
		return id
	}
	return "aclassoc-" + strings.TrimPrefix(subnetID, "subnet-")
}

// aclByID is the network ACL with id: one made beyond the default, or a VPC's default one,
// made part of the account's state when write is set so that its rules can change. It is
// nil when there is no such ACL.
func (st *state) aclByID(id string, write bool) *networkACL {
	for _, a := range st.NetworkACLs {
		if a.ID == id {
			return a
		}
	}
	for _, v := range st.VPCs {
		if defaultACLID(v.ID) == id {
			a := &networkACL{ID: id, VPC: v.ID, Default: true, Entries: slices.Clone(defaultACLEntries)}
			if write {
				st.NetworkACLs = append(st.NetworkACLs, a)
			}
			return a
		}
	}
	return nil
}

// aclOf is the network ACL that guards a subnet: the one associated with it, else its VPC's
// default.
func (st *state) aclOf(subnetID string) *networkACL {
	for _, a := range st.NetworkACLs {
		if !a.Default && slices.Contains(a.Subnets, subnetID) {
			return a
		}
	}
	sn := st.subnet(subnetID)
	if sn == nil {
		return nil
	}
	return st.aclByID(defaultACLID(sn.VPC), false)
}

// describeACL is an ACL as EC2 describes it.
func (st *state) describeACL(a *networkACL) ec2types.NetworkAcl {
	acl := ec2types.NetworkAcl{NetworkAclId: aws.String(a.ID), VpcId: aws.String(a.VPC), IsDefault: aws.Bool(a.Default), OwnerId: aws.String(AccountID)}
	var subnets []string
	if a.Default {
		for _, sn := range st.Subnets {
			if sn.VPC == a.VPC && st.aclOf(sn.ID).ID == a.ID {
				subnets = append(subnets, sn.ID)
			}
		}
	} else {
		subnets = a.Subnets
	}
	for _, sn := range subnets {
		acl.Associations = append(acl.Associations, ec2types.NetworkAclAssociation{
			NetworkAclAssociationId: aws.String(st.aclAssociationID(sn)), NetworkAclId: aws.String(a.ID), SubnetId: aws.String(sn)})
	}
	for _, e := range a.Entries {
		ne := ec2types.NetworkAclEntry{RuleNumber: aws.Int32(e.Number), Egress: aws.Bool(e.Egress), Protocol: aws.String(e.Protocol),
			RuleAction: ec2types.RuleActionDeny, CidrBlock: aws.String(e.CIDR)}
		if e.Allow {
			ne.RuleAction = ec2types.RuleActionAllow
		}
		if e.Protocol == "6" || e.Protocol == "17" {
			ne.PortRange = &ec2types.PortRange{From: aws.Int32(e.From), To: aws.Int32(e.To)}
		}
		acl.Entries = append(acl.Entries, ne)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Tags)) {
		acl.Tags = append(acl.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(a.Tags[k])})
	}
	return acl
}

// networkACLs is every network ACL of the account: each VPC's default one, which guards
// every subnet no other ACL is associated with, and the others.
func (st *state) networkACLs() []ec2types.NetworkAcl {
	var out []ec2types.NetworkAcl
	for _, v := range st.VPCs {
		out = append(out, st.describeACL(st.aclByID(defaultACLID(v.ID), false)))
	}
	for _, a := range st.NetworkACLs {
		if !a.Default {
			out = append(out, st.describeACL(a))
		}
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
