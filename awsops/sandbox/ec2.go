package sandbox

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2API is the sandbox's EC2.
type ec2API struct{ s *Sandbox }

func tags(name string) []ec2types.Tag {
	if name == "" {
		return nil
	}
	return []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}
}

// matches applies EC2 filters to an object whose filterable fields are given, as AWS does:
// filters are ANDed, a filter's values ORed, values may hold the wildcards * and ?, and a
// tag:<key> filter matches only objects that have that tag. An unknown filter name is an error.
func matches(filters []ec2types.Filter, fields map[string]string) (bool, error) {
	for _, f := range filters {
		name := aws.ToString(f.Name)
		v, ok := fields[name]
		tag := strings.HasPrefix(name, "tag:")
		if !ok && !tag {
			return false, apiErr("InvalidParameterValue", fmt.Sprintf("The filter '%s' is invalid", name))
		}
		if tag && v == "" {
			return false, nil // the object lacks the tag: no value matches
		}
		if !slices.ContainsFunc(f.Values, func(pattern string) bool { return wildcard(pattern, v) }) {
			return false, nil
		}
	}
	return true, nil
}

// wildcard matches s against an EC2 filter value: * is any run of characters, ? exactly one,
// and a backslash makes the next character literal.
func wildcard(pattern, s string) bool {
	p, r := []rune(pattern), []rune(s)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '*':
				for k := j; k <= len(r); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '?':
				if j == len(r) {
					return false
				}
			case '\\':
				if i+1 < len(p) {
					i++
				}
				fallthrough
			default:
				if j == len(r) || r[j] != p[i] {
					return false
				}
			}
			i, j = i+1, j+1
		}
		return j == len(r)
	}
	return match(0, 0)
}

func (st *state) vpc(id string) *vpc {
	for _, v := range st.VPCs {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (st *state) subnet(id string) *subnet {
	for _, s := range st.Subnets {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func (st *state) instance(id string) *instance {
	for _, i := range st.Instances {
		if i.ID == id {
			return i
		}
	}
	return nil
}

func (st *state) group(id string) *securityGroup {
	for _, g := range st.SecurityGroups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

func (e *ec2API) DescribeVpcs(_ context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	out := &ec2.DescribeVpcsOutput{}
	err := e.s.do(svcEC2, "DescribeVpcs", false, func(st *state, _ time.Time) error {
		for _, id := range in.VpcIds {
			if st.vpc(id) == nil {
				return apiErr("InvalidVpcID.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", id))
			}
		}
		for _, v := range st.VPCs {
			if len(in.VpcIds) > 0 && !slices.Contains(in.VpcIds, v.ID) {
				continue
			}
			ok, err := matches(in.Filters, map[string]string{"vpc-id": v.ID, "tag:Name": v.Name, "is-default": fmt.Sprint(v.IsDefault)})
			if err != nil {
				return err
			}
			if ok {
				out.Vpcs = append(out.Vpcs, ec2types.Vpc{VpcId: aws.String(v.ID), CidrBlock: aws.String(v.CIDR), IsDefault: aws.Bool(v.IsDefault), State: ec2types.VpcStateAvailable, Tags: tags(v.Name), OwnerId: aws.String(AccountID)})
			}
		}
		return nil
	})
	return out, err
}

func (e *ec2API) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	out := &ec2.DescribeSubnetsOutput{}
	err := e.s.do(svcEC2, "DescribeSubnets", false, func(st *state, _ time.Time) error {
		for _, id := range in.SubnetIds {
			if st.subnet(id) == nil {
				return apiErr("InvalidSubnetID.NotFound", fmt.Sprintf("The subnet ID '%s' does not exist", id))
			}
		}
		for _, s := range st.Subnets {
			if len(in.SubnetIds) > 0 && !slices.Contains(in.SubnetIds, s.ID) {
				continue
			}
			ok, err := matches(in.Filters, map[string]string{"vpc-id": s.VPC, "subnet-id": s.ID, "tag:Name": s.Name, "availability-zone": s.AZ})
			if err != nil {
				return err
			}
			if ok {
				out.Subnets = append(out.Subnets, ec2types.Subnet{
					SubnetId: aws.String(s.ID), VpcId: aws.String(s.VPC), AvailabilityZone: aws.String(s.AZ), CidrBlock: aws.String(s.CIDR),
					AvailableIpAddressCount: aws.Int32(int32(s.FreeIPs)), State: ec2types.SubnetStateAvailable, Tags: tags(s.Name),
					SubnetArn: aws.String(fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", st.Region, AccountID, s.ID)),
				})
			}
		}
		return nil
	})
	return out, err
}

func (e *ec2API) DescribeRouteTables(_ context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	out := &ec2.DescribeRouteTablesOutput{}
	err := e.s.do(svcEC2, "DescribeRouteTables", false, func(st *state, _ time.Time) error {
		for _, rt := range st.RouteTables {
			ok, err := matches(in.Filters, map[string]string{"vpc-id": rt.VPC, "route-table-id": rt.ID})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			v := st.vpc(rt.VPC)
			r := ec2types.RouteTable{RouteTableId: aws.String(rt.ID), VpcId: aws.String(rt.VPC),
				Routes: []ec2types.Route{{DestinationCidrBlock: aws.String(v.CIDR), GatewayId: aws.String("local"), State: ec2types.RouteStateActive}}}
			switch {
			case rt.Internet != "":
				r.Routes = append(r.Routes, ec2types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(rt.Internet), State: ec2types.RouteStateActive})
			case rt.NAT != "":
				r.Routes = append(r.Routes, ec2types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(rt.NAT), State: ec2types.RouteStateActive})
			}
			if rt.Main {
				r.Associations = append(r.Associations, ec2types.RouteTableAssociation{Main: aws.Bool(true), RouteTableId: aws.String(rt.ID)})
			}
			for _, sn := range rt.Subnets {
				r.Associations = append(r.Associations, ec2types.RouteTableAssociation{Main: aws.Bool(false), SubnetId: aws.String(sn), RouteTableId: aws.String(rt.ID)})
			}
			out.RouteTables = append(out.RouteTables, r)
		}
		return nil
	})
	return out, err
}

func (e *ec2API) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	out := &ec2.DescribeInstancesOutput{}
	err := e.s.do(svcEC2, "DescribeInstances", false, func(st *state, _ time.Time) error {
		for _, id := range in.InstanceIds {
			if st.instance(id) == nil {
				return apiErr("InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", id))
			}
		}
		start, end, err := page(len(st.Instances), in.MaxResults, in.NextToken, len(in.InstanceIds) > 0)
		if err != nil {
			return err
		}
		if end < len(st.Instances) {
			out.NextToken = aws.String(strconv.Itoa(end))
		}
		for _, i := range st.Instances[start:end] {
			if len(in.InstanceIds) > 0 && !slices.Contains(in.InstanceIds, i.ID) {
				continue
			}
			sn := st.subnet(i.Subnet)
			ok, err := matches(in.Filters, map[string]string{"vpc-id": sn.VPC, "instance-state-name": i.State, "tag:Name": i.Name, "instance-id": i.ID, "subnet-id": sn.ID})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			inst := ec2types.Instance{
				InstanceId: aws.String(i.ID), InstanceType: ec2types.InstanceTypeT3Small, PrivateIpAddress: aws.String(i.IP),
				SubnetId: aws.String(sn.ID), VpcId: aws.String(sn.VPC), Tags: tags(i.Name),
				State:     &ec2types.InstanceState{Name: ec2types.InstanceStateName(i.State)},
				Placement: &ec2types.Placement{AvailabilityZone: aws.String(sn.AZ)},
			}
			for _, g := range i.Groups {
				inst.SecurityGroups = append(inst.SecurityGroups, ec2types.GroupIdentifier{GroupId: aws.String(g), GroupName: aws.String(st.group(g).Name)})
			}
			out.Reservations = append(out.Reservations, ec2types.Reservation{ReservationId: aws.String("r-0" + i.ID[3:]), OwnerId: aws.String(AccountID), Instances: []ec2types.Instance{inst}})
		}
		return nil
	})
	return out, err
}

// page picks the slice of n items that a DescribeInstances page covers, as AWS does: pages
// of maxResults (5 to 1000) items, counted before filters apply, so a page may come back
// empty with a token for the next; without maxResults, everything at once.
func page(n int, maxResults *int32, token *string, withIDs bool) (start, end int, err error) {
	if maxResults == nil {
		if token != nil {
			return 0, 0, apiErr("InvalidParameterValue", "The parameter NextToken requires MaxResults")
		}
		return 0, n, nil
	}
	if withIDs {
		return 0, 0, apiErr("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	size := int(*maxResults)
	if size < 5 || size > 1000 {
		return 0, 0, apiErr("InvalidParameterValue", fmt.Sprintf("Value ( %d ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", size))
	}
	if token != nil {
		start, err = strconv.Atoi(*token)
		if err != nil || start < 0 || start > n {
			return 0, 0, apiErr("InvalidNextToken", "The specified value for nextToken is invalid")
		}
	}
	return start, min(start+size, n), nil
}

func (e *ec2API) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	out := &ec2.DescribeSecurityGroupsOutput{}
	err := e.s.do(svcEC2, "DescribeSecurityGroups", false, func(st *state, _ time.Time) error {
		for _, id := range in.GroupIds {
			if st.group(id) == nil {
				return apiErr("InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id))
			}
		}
		for _, g := range st.SecurityGroups {
			if len(in.GroupIds) > 0 && !slices.Contains(in.GroupIds, g.ID) {
				continue
			}
			ok, err := matches(in.Filters, map[string]string{"vpc-id": g.VPC, "group-id": g.ID, "group-name": g.Name})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			sg := ec2types.SecurityGroup{GroupId: aws.String(g.ID), GroupName: aws.String(g.Name), Description: aws.String(g.Description), VpcId: aws.String(g.VPC), OwnerId: aws.String(AccountID)}
			for _, r := range g.Ingress {
				sg.IpPermissions = append(sg.IpPermissions, ec2types.IpPermission{IpProtocol: aws.String(r.Protocol), FromPort: aws.Int32(r.From), ToPort: aws.Int32(r.To),
					IpRanges: []ec2types.IpRange{{CidrIp: aws.String(r.CIDR), Description: aws.String(r.Description)}}})
			}
			out.SecurityGroups = append(out.SecurityGroups, sg)
		}
		return nil
	})
	return out, err
}

func (e *ec2API) DescribeNetworkInterfaces(_ context.Context, in *ec2.DescribeNetworkInterfacesInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	out := &ec2.DescribeNetworkInterfacesOutput{}
	err := e.s.do(svcEC2, "DescribeNetworkInterfaces", false, func(st *state, _ time.Time) error {
		for _, lb := range sortedValues(st.LoadBalancers) {
			desc := "ELB " + lbID(lb.ARN)
			for k, ip := range lb.IPs {
				sn := st.subnet(lb.Subnets[k])
				ok, err := matches(in.Filters, map[string]string{"description": desc, "vpc-id": lb.VPC, "subnet-id": sn.ID})
				if err != nil {
					return err
				}
				if ok {
					out.NetworkInterfaces = append(out.NetworkInterfaces, ec2types.NetworkInterface{
						NetworkInterfaceId: aws.String(lb.ENIs[k]), Description: aws.String(desc), PrivateIpAddress: aws.String(ip),
						SubnetId: aws.String(sn.ID), VpcId: aws.String(lb.VPC), AvailabilityZone: aws.String(sn.AZ),
						InterfaceType: ec2types.NetworkInterfaceTypeNetworkLoadBalancer, Status: ec2types.NetworkInterfaceStatusInUse,
					})
				}
			}
		}
		return nil
	})
	return out, err
}

// permissionRules flattens IpPermissions into the sandbox's rules, refusing what AWS refuses.
func permissionRules(perms []ec2types.IpPermission) ([]rule, error) {
	var rules []rule
	for _, p := range perms {
		for _, r := range p.IpRanges {
			cidr := aws.ToString(r.CidrIp)
			if _, err := netip.ParsePrefix(cidr); err != nil {
				return nil, apiErr("InvalidParameterValue", fmt.Sprintf("CIDR block %s is malformed", cidr))
			}
			rules = append(rules, rule{Protocol: aws.ToString(p.IpProtocol), From: aws.ToInt32(p.FromPort), To: aws.ToInt32(p.ToPort), CIDR: cidr, Description: aws.ToString(r.Description)})
		}
	}
	if len(rules) == 0 {
		return nil, apiErr("MissingParameter", "The request must contain the parameter ipPermissions")
	}
	return rules, nil
}

func sameRule(a, b rule) bool {
	return a.Protocol == b.Protocol && a.From == b.From && a.To == b.To && a.CIDR == b.CIDR
}

func (e *ec2API) AuthorizeSecurityGroupIngress(_ context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	err := e.s.do(svcEC2, "AuthorizeSecurityGroupIngress", true, func(st *state, _ time.Time) error {
		g := st.group(aws.ToString(in.GroupId))
		if g == nil {
			return apiErr("InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", aws.ToString(in.GroupId)))
		}
		rules, err := permissionRules(in.IpPermissions)
		if err != nil {
			return err
		}
		for _, r := range rules {
			for _, have := range g.Ingress {
				if sameRule(r, have) {
					return apiErr("InvalidPermission.Duplicate", fmt.Sprintf("the specified rule \"peer: %s, TCP, from port: %d, to port: %d, ALLOW\" already exists", r.CIDR, r.From, r.To))
				}
			}
		}
		g.Ingress = append(g.Ingress, rules...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}

func (e *ec2API) RevokeSecurityGroupIngress(_ context.Context, in *ec2.RevokeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	err := e.s.do(svcEC2, "RevokeSecurityGroupIngress", true, func(st *state, _ time.Time) error {
		g := st.group(aws.ToString(in.GroupId))
		if g == nil {
			return apiErr("InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", aws.ToString(in.GroupId)))
		}
		rules, err := permissionRules(in.IpPermissions)
		if err != nil {
			return err
		}
		for _, r := range rules {
			i := slices.IndexFunc(g.Ingress, func(have rule) bool { return sameRule(r, have) })
			if i < 0 {
				return apiErr("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
			}
			g.Ingress = slices.Delete(g.Ingress, i, i+1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}
