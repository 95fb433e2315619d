package awsops

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// NetworkACL is a VPC's network ACL: the subnets it guards and its IPv4 rules.
type NetworkACL struct {
	ID        string
	VPCID     string
	IsDefault bool
	Subnets   []string
	Entries   []ACLEntry
}

// ACLEntry is one rule of a network ACL. Protocol is AWS's number ("6" is TCP, "-1" all);
// FromPort and ToPort are 0 when the rule names no ports (all ports).
type ACLEntry struct {
	RuleNumber int32
	Egress     bool
	Protocol   string
	Allow      bool
	CIDR       string
	FromPort   int32
	ToPort     int32
}

// NetworkACLs returns the network ACLs that guard the given subnets of vpcID, by subnet id.
// A subnet with no explicit association uses the VPC's default ACL, as in AWS.
func (a *Account) NetworkACLs(ctx context.Context, vpcID string, subnetIDs []string) (map[string]NetworkACL, error) {
	pages := ec2.NewDescribeNetworkAclsPaginator(a.EC2, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{filter("vpc-id", vpcID)}})
	var acls []NetworkACL
	for pages.HasMorePages() {
		var out *ec2.DescribeNetworkAclsOutput
		err := a.pacer().Call(ctx, "ec2:DescribeNetworkAcls", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe network acls in %s: %w", vpcID, err)
		}
		for _, n := range out.NetworkAcls {
			acl := NetworkACL{ID: aws.ToString(n.NetworkAclId), VPCID: aws.ToString(n.VpcId), IsDefault: aws.ToBool(n.IsDefault)}
			for _, as := range n.Associations {
				acl.Subnets = append(acl.Subnets, aws.ToString(as.SubnetId))
			}
			for _, e := range n.Entries {
				if e.CidrBlock == nil {
					continue // an IPv6 rule: the chain speaks IPv4
				}
				entry := ACLEntry{RuleNumber: aws.ToInt32(e.RuleNumber), Egress: aws.ToBool(e.Egress), Protocol: aws.ToString(e.Protocol),
					Allow: e.RuleAction == ec2types.RuleActionAllow, CIDR: aws.ToString(e.CidrBlock)}
				if e.PortRange != nil {
					entry.FromPort, entry.ToPort = aws.ToInt32(e.PortRange.From), aws.ToInt32(e.PortRange.To)
				}
				acl.Entries = append(acl.Entries, entry)
			}
			sort.Slice(acl.Entries, func(i, j int) bool { return acl.Entries[i].RuleNumber < acl.Entries[j].RuleNumber })
			acls = append(acls, acl)
		}
	}
	bySubnet := map[string]NetworkACL{}
	for _, id := range subnetIDs {
		for _, acl := range acls {
			if slices.Contains(acl.Subnets, id) {
				bySubnet[id] = acl
			}
		}
		if _, ok := bySubnet[id]; ok {
			continue
		}
		for _, acl := range acls {
			if acl.IsDefault {
				bySubnet[id] = acl
			}
		}
	}
	return bySubnet, nil
}

// Allows reports whether the ACL lets TCP traffic between peer and ports from..to pass in
// one direction (egress or not), as AWS evaluates it: rules in ascending number, the first
// that matches decides, and what no rule matches is denied. A rule that covers only part of
// peer or of the ports is not enough to allow; a deny rule that touches any of them blocks.
// The rule that decided is returned for the report (zero when none matched).
func (acl NetworkACL) Allows(egress bool, peer netip.Prefix, from, to int32) (bool, ACLEntry) {
	for _, e := range acl.Entries {
		if e.Egress != egress || (e.Protocol != "-1" && e.Protocol != "6" && e.Protocol != "tcp") {
			continue
		}
		p, err := netip.ParsePrefix(e.CIDR)
		if err != nil || !p.Overlaps(peer) {
			continue
		}
		lo, hi := e.FromPort, e.ToPort
		if e.Protocol == "-1" || (lo == 0 && hi == 0) {
			lo, hi = 0, 65535
		}
		if hi < from || lo > to {
			continue
		}
		if !e.Allow {
			return false, e
		}
		if p.Bits() <= peer.Bits() && p.Contains(peer.Addr()) && lo <= from && to <= hi {
			return true, e
		}
	}
	return false, ACLEntry{}
}
