package sandbox

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// This file holds the EC2 calls that change network ACLs, as a person at the console or the
// AWS CLI makes them, and how the account's traffic crosses them. vpclink itself never
// changes an ACL: these are the demo account's, for trainings and tests.

func aclNotFound(id string) error {
	return apiErr("InvalidNetworkAclID.NotFound", fmt.Sprintf("The networkAcl ID '%s' does not exist", id))
}

// CreateNetworkAcl makes a network ACL in a VPC, as EC2 does: it has only the catch-all deny
// rules, so it blocks all traffic until rules are added, and guards no subnet yet.
func (e *ec2API) CreateNetworkAcl(_ context.Context, in *ec2.CreateNetworkAclInput, _ ...func(*ec2.Options)) (*ec2.CreateNetworkAclOutput, error) {
	out := &ec2.CreateNetworkAclOutput{}
	err := e.s.do(svcEC2, "CreateNetworkAcl", true, func(st *state, _ time.Time) error {
		vpcID := aws.ToString(in.VpcId)
		if vpcID == "" {
			return apiErr("MissingParameter", "The request must contain the parameter vpcId")
		}
		if st.vpc(vpcID) == nil {
			return apiErr("InvalidVpcID.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", vpcID))
		}
		a := &networkACL{ID: "acl-0" + e.s.random(16), VPC: vpcID, Subnets: []string{}, Entries: slices.Clone(newACLEntries)}
		for _, spec := range in.TagSpecifications {
			if spec.ResourceType != ec2types.ResourceTypeNetworkAcl {
				return apiErr("InvalidParameterValue", fmt.Sprintf("'%s' is not a valid taggable resource type for this operation.", spec.ResourceType))
			}
			for _, t := range spec.Tags {
				if a.Tags == nil {
					a.Tags = map[string]string{}
				}
				a.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
		st.NetworkACLs = append(st.NetworkACLs, a)
		acl := st.describeACL(a)
		out.NetworkAcl = &acl
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// aclProtocols are the protocol names EC2 takes for a network ACL entry besides numbers.
var aclProtocols = map[string]string{"all": "-1", "tcp": "6", "udp": "17", "icmp": "1"}

// CreateNetworkAclEntry adds a numbered rule to a network ACL, as EC2 does: rule numbers go
// from 1 to 32766 and are unique in each direction; TCP and UDP rules need a port range; the
// CIDR must be an IPv4 block. The protocol is kept as its number ("tcp" becomes "6").
func (e *ec2API) CreateNetworkAclEntry(_ context.Context, in *ec2.CreateNetworkAclEntryInput, _ ...func(*ec2.Options)) (*ec2.CreateNetworkAclEntryOutput, error) {
	err := e.s.do(svcEC2, "CreateNetworkAclEntry", true, func(st *state, _ time.Time) error {
		id := aws.ToString(in.NetworkAclId)
		a := st.aclByID(id, false)
		if a == nil {
			return aclNotFound(id)
		}
		entry, err := aclEntryOf(in)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(a.Entries, func(x aclEntry) bool { return x.Number == entry.Number && x.Egress == entry.Egress }) {
			return apiErr("NetworkAclEntryAlreadyExists", fmt.Sprintf("The network acl entry identified by %d already exists.", entry.Number))
		}
		a = st.aclByID(id, true)
		a.Entries = append(a.Entries, entry)
		slices.SortStableFunc(a.Entries, func(x, y aclEntry) int {
			if x.Egress != y.Egress {
				if y.Egress {
					return -1
				}
				return 1
			}
			return int(x.Number - y.Number)
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateNetworkAclEntryOutput{}, nil
}

// aclEntryOf checks a CreateNetworkAclEntry request as EC2 does and returns its rule.
func aclEntryOf(in *ec2.CreateNetworkAclEntryInput) (aclEntry, error) {
	n := aws.ToInt32(in.RuleNumber)
	if in.RuleNumber == nil {
		return aclEntry{}, apiErr("MissingParameter", "The request must contain the parameter ruleNumber")
	}
	if n < 1 || n > 32766 {
		return aclEntry{}, apiErr("InvalidParameterValue", fmt.Sprintf("Invalid value '%d' for ruleNumber. Rule number must be between 1 and 32766.", n))
	}
	proto := strings.ToLower(aws.ToString(in.Protocol))
	if p, ok := aclProtocols[proto]; ok {
		proto = p
	}
	if proto == "" {
		return aclEntry{}, apiErr("MissingParameter", "The request must contain the parameter protocol")
	}
	var num int
	if _, err := fmt.Sscan(proto, &num); err != nil || num < -1 || num > 255 || fmt.Sprint(num) != proto {
		return aclEntry{}, apiErr("InvalidParameterValue", fmt.Sprintf("Invalid value '%s' for protocol. Specify a protocol number from 0 to 255, or -1 for all protocols.", aws.ToString(in.Protocol)))
	}
	var allow bool
	switch in.RuleAction {
	case ec2types.RuleActionAllow:
		allow = true
	case ec2types.RuleActionDeny:
	case "":
		return aclEntry{}, apiErr("MissingParameter", "The request must contain the parameter ruleAction")
	default:
		return aclEntry{}, apiErr("InvalidParameterValue", fmt.Sprintf("Invalid value '%s' for ruleAction. Valid values are allow and deny.", in.RuleAction))
	}
	if in.Ipv6CidrBlock != nil {
		return aclEntry{}, apiErr("InvalidParameterValue", "The demo account's network ACLs take IPv4 CIDR blocks only")
	}
	cidr := aws.ToString(in.CidrBlock)
	if in.CidrBlock == nil {
		return aclEntry{}, apiErr("MissingParameter", "Either 'cidrBlock' or 'ipv6CidrBlock' should be provided.")
	}
	if p, err := netip.ParsePrefix(cidr); err != nil || !p.Addr().Is4() {
		return aclEntry{}, apiErr("InvalidParameterValue", fmt.Sprintf("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr))
	}
	entry := aclEntry{Number: n, Egress: aws.ToBool(in.Egress), Protocol: proto, Allow: allow, CIDR: cidr}
	if proto == "6" || proto == "17" {
		if in.PortRange == nil || in.PortRange.From == nil || in.PortRange.To == nil {
			return aclEntry{}, apiErr("InvalidParameter", "TCP and UDP entries need a port range: PortRange.From and PortRange.To")
		}
		from, to := aws.ToInt32(in.PortRange.From), aws.ToInt32(in.PortRange.To)
		if from < 0 || to > 65535 || from > to {
			return aclEntry{}, apiErr("InvalidParameterValue", fmt.Sprintf("Invalid port range %d-%d: ports go from 0 to 65535, From no higher than To", from, to))
		}
		entry.From, entry.To = from, to
	}
	return entry, nil
}

// DeleteNetworkAclEntry removes a numbered rule from one direction of a network ACL. The
// catch-all rule 32767 cannot be removed.
func (e *ec2API) DeleteNetworkAclEntry(_ context.Context, in *ec2.DeleteNetworkAclEntryInput, _ ...func(*ec2.Options)) (*ec2.DeleteNetworkAclEntryOutput, error) {
	err := e.s.do(svcEC2, "DeleteNetworkAclEntry", true, func(st *state, _ time.Time) error {
		id := aws.ToString(in.NetworkAclId)
		if st.aclByID(id, false) == nil {
			return aclNotFound(id)
		}
		n, egress := aws.ToInt32(in.RuleNumber), aws.ToBool(in.Egress)
		if n < 1 || n > 32766 {
			return apiErr("InvalidParameterValue", fmt.Sprintf("Invalid value '%d' for ruleNumber. Rule number must be between 1 and 32766.", n))
		}
		a := st.aclByID(id, false)
		i := slices.IndexFunc(a.Entries, func(x aclEntry) bool { return x.Number == n && x.Egress == egress })
		if i < 0 {
			dir := "ingress"
			if egress {
				dir = "egress"
			}
			return apiErr("InvalidNetworkAclEntry.NotFound", fmt.Sprintf("The network acl entry identified by %d (%s) does not exist in %s.", n, dir, id))
		}
		a = st.aclByID(id, true)
		a.Entries = slices.Delete(a.Entries, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNetworkAclEntryOutput{}, nil
}

// ReplaceNetworkAclAssociation moves a subnet to another network ACL of its VPC, as EC2
// does: the association is named by its id (DescribeNetworkAcls lists them), and the answer
// is the new association's id.
func (e *ec2API) ReplaceNetworkAclAssociation(_ context.Context, in *ec2.ReplaceNetworkAclAssociationInput, _ ...func(*ec2.Options)) (*ec2.ReplaceNetworkAclAssociationOutput, error) {
	out := &ec2.ReplaceNetworkAclAssociationOutput{}
	err := e.s.do(svcEC2, "ReplaceNetworkAclAssociation", true, func(st *state, _ time.Time) error {
		assoc, id := aws.ToString(in.AssociationId), aws.ToString(in.NetworkAclId)
		var sn *subnet
		for _, s := range st.Subnets {
			if st.aclAssociationID(s.ID) == assoc {
				sn = s
			}
		}
		if sn == nil {
			return apiErr("InvalidAssociationID.NotFound", fmt.Sprintf("The association ID '%s' does not exist", assoc))
		}
		to := st.aclByID(id, false)
		if to == nil {
			return aclNotFound(id)
		}
		if to.VPC != sn.VPC {
			return apiErr("InvalidParameterValue", fmt.Sprintf("Network ACL %s and subnet %s belong to different networks", id, sn.ID))
		}
		for _, a := range st.NetworkACLs {
			a.Subnets = slices.DeleteFunc(a.Subnets, func(s string) bool { return s == sn.ID })
		}
		if !to.Default {
			to.Subnets = append(to.Subnets, sn.ID)
		}
		if st.ACLAssociations == nil {
			st.ACLAssociations = map[string]string{}
		}
		st.ACLAssociations[sn.ID] = "aclassoc-0" + e.s.random(16)
		out.NewAssociationId = aws.String(st.ACLAssociations[sn.ID])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ephemeralLow and ephemeralHigh bound the ports a load balancer's connections come from,
// which the answers go back to: AWS asks network ACLs to allow 1024-65535 for them.
const ephemeralLow, ephemeralHigh = 1024, 65535

// aclPasses reports whether one TCP packet passes an ACL in one direction, as AWS decides:
// the rules of that direction in ascending number, the first whose protocol, CIDR (holding
// peer) and ports (holding port) match decides; none matching denies.
func aclPasses(a *networkACL, egress bool, peer netip.Addr, port int32) bool {
	rules := slices.Clone(a.Entries)
	slices.SortFunc(rules, func(x, y aclEntry) int { return int(x.Number - y.Number) })
	for _, r := range rules {
		if r.Egress != egress || (r.Protocol != "-1" && r.Protocol != "6") {
			continue
		}
		p, err := netip.ParsePrefix(r.CIDR)
		if err != nil || !p.Contains(peer) {
			continue
		}
		if r.Protocol == "6" && (port < r.From || port > r.To) {
			continue
		}
		return r.Allow
	}
	return false
}

// aclPassesPorts reports whether every port from lo to hi passes: the answer to a
// connection goes back to any of them. Only a rule's edges can change the decision, so the
// ports checked are lo and each edge inside the range.
func aclPassesPorts(a *networkACL, egress bool, peer netip.Addr, lo, hi int32) bool {
	ports := []int32{lo}
	for _, r := range a.Entries {
		for _, p := range []int32{r.From, r.To + 1} {
			if p > lo && p <= hi {
				ports = append(ports, p)
			}
		}
	}
	for _, p := range ports {
		if !aclPasses(a, egress, peer, p) {
			return false
		}
	}
	return true
}

// naclsPass reports whether the network ACLs let a TCP connection from a load balancer
// address in subnet src to an instance's port through, and its answers back: a connection
// within one subnet crosses no ACL; otherwise the instance's subnet's ACL must let it in on
// the port and the answers out to the ephemeral ports, and the load balancer's subnet's ACL
// the reverse. ACLs are stateless: each direction is its own rule.
func naclsPass(st *state, srcSubnet, srcIP string, inst *instance, port int32) bool {
	if srcSubnet == inst.Subnet {
		return true
	}
	from, err1 := netip.ParseAddr(srcIP)
	to, err2 := netip.ParseAddr(inst.IP)
	here, there := st.aclOf(srcSubnet), st.aclOf(inst.Subnet)
	if err1 != nil || err2 != nil || here == nil || there == nil {
		return false
	}
	return aclPasses(there, false, from, port) && aclPassesPorts(there, true, from, ephemeralLow, ephemeralHigh) &&
		aclPasses(here, true, to, port) && aclPassesPorts(here, false, to, ephemeralLow, ephemeralHigh)
}

// lbReaches reports whether the network ACLs let every address of the load balancer reach
// the instance's port, as its health checks and requests need.
func lbReaches(st *state, lb *loadBalancer, inst *instance, port int32) bool {
	for k, ip := range lb.IPs {
		if !naclsPass(st, lb.Subnets[k], ip, inst, port) {
			return false
		}
	}
	return true
}
