package awsops

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func nameTag(tags []ec2types.Tag) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == "Name" {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

// ListVPCs returns the region's VPCs, sorted by name then id.
func (a *Account) ListVPCs(ctx context.Context) ([]VPC, error) {
	var vpcs []VPC
	pages := ec2.NewDescribeVpcsPaginator(a.EC2, &ec2.DescribeVpcsInput{})
	for pages.HasMorePages() {
		var out *ec2.DescribeVpcsOutput
		err := a.pacer().Call(ctx, "ec2:DescribeVpcs", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe vpcs: %w", err)
		}
		for _, v := range out.Vpcs {
			vpcs = append(vpcs, VPC{ID: aws.ToString(v.VpcId), Name: nameTag(v.Tags), CIDR: aws.ToString(v.CidrBlock), IsDefault: aws.ToBool(v.IsDefault)})
		}
	}
	sort.Slice(vpcs, func(i, j int) bool {
		if vpcs[i].Name != vpcs[j].Name {
			return vpcs[i].Name < vpcs[j].Name
		}
		return vpcs[i].ID < vpcs[j].ID
	})
	return vpcs, nil
}

// vpcFilter filters by VPC, or not at all for "" (the whole region).
func vpcFilter(vpcID string) []ec2types.Filter {
	if vpcID == "" {
		return nil
	}
	return []ec2types.Filter{filter("vpc-id", vpcID)}
}

// ListSubnets returns the subnets of vpcID ("" for every VPC), sorted by AZ then name, each
// marked public when its route table (explicit, or its VPC's main one) routes 0.0.0.0/0 to
// an internet gateway.
func (a *Account) ListSubnets(ctx context.Context, vpcID string) ([]Subnet, error) {
	var subnets []Subnet
	pages := ec2.NewDescribeSubnetsPaginator(a.EC2, &ec2.DescribeSubnetsInput{Filters: vpcFilter(vpcID)})
	for pages.HasMorePages() {
		var out *ec2.DescribeSubnetsOutput
		err := a.pacer().Call(ctx, "ec2:DescribeSubnets", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe subnets in %s: %w", vpcID, err)
		}
		for _, s := range out.Subnets {
			subnets = append(subnets, Subnet{
				ID: aws.ToString(s.SubnetId), Name: nameTag(s.Tags), VPCID: aws.ToString(s.VpcId),
				AZ: aws.ToString(s.AvailabilityZone), CIDR: aws.ToString(s.CidrBlock),
				FreeIPs: int(aws.ToInt32(s.AvailableIpAddressCount)),
			})
		}
	}
	public, err := a.publicSubnets(ctx, vpcID)
	if err != nil {
		return nil, err
	}
	for i := range subnets {
		subnets[i].Public = public(subnets[i].ID, subnets[i].VPCID)
	}
	sort.Slice(subnets, func(i, j int) bool {
		if subnets[i].AZ != subnets[j].AZ {
			return subnets[i].AZ < subnets[j].AZ
		}
		return subnets[i].Name < subnets[j].Name
	})
	return subnets, nil
}

// publicSubnets reads vpcID's route tables and returns a test for "this subnet is public".
func (a *Account) publicSubnets(ctx context.Context, vpcID string) (func(subnetID, vpcID string) bool, error) {
	explicit := map[string]bool{}   // subnet → its table has an internet route
	mainPublic := map[string]bool{} // vpc → its main table has one
	pages := ec2.NewDescribeRouteTablesPaginator(a.EC2, &ec2.DescribeRouteTablesInput{Filters: vpcFilter(vpcID)})
	for pages.HasMorePages() {
		var out *ec2.DescribeRouteTablesOutput
		err := a.pacer().Call(ctx, "ec2:DescribeRouteTables", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe route tables in %s: %w", vpcID, err)
		}
		for _, rt := range out.RouteTables {
			internet := false
			for _, r := range rt.Routes {
				if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && strings.HasPrefix(aws.ToString(r.GatewayId), "igw-") {
					internet = true
				}
			}
			for _, as := range rt.Associations {
				if aws.ToBool(as.Main) {
					mainPublic[aws.ToString(rt.VpcId)] = internet
				}
				if id := aws.ToString(as.SubnetId); id != "" {
					explicit[id] = internet
				}
			}
		}
	}
	return func(subnetID, vpcID string) bool {
		if v, ok := explicit[subnetID]; ok {
			return v
		}
		return mainPublic[vpcID]
	}, nil
}

// ListInstances returns the instances of vpcID that are not terminated, sorted by name then id.
func (a *Account) ListInstances(ctx context.Context, vpcID string) ([]Instance, error) {
	var list []Instance
	in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		filter("vpc-id", vpcID),
		filter("instance-state-name", "pending", "running", "stopping", "stopped"),
	}}
	pages := ec2.NewDescribeInstancesPaginator(a.EC2, in)
	for pages.HasMorePages() {
		var out *ec2.DescribeInstancesOutput
		err := a.pacer().Call(ctx, "ec2:DescribeInstances", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe instances in %s: %w", vpcID, err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				inst := Instance{
					ID: aws.ToString(i.InstanceId), Name: nameTag(i.Tags), PrivateIP: aws.ToString(i.PrivateIpAddress),
					SubnetID: aws.ToString(i.SubnetId), VPCID: aws.ToString(i.VpcId),
				}
				if i.State != nil {
					inst.State = string(i.State.Name)
				}
				if i.Placement != nil {
					inst.AZ = aws.ToString(i.Placement.AvailabilityZone)
				}
				for _, g := range i.SecurityGroups {
					inst.SecurityGroups = append(inst.SecurityGroups, aws.ToString(g.GroupId))
				}
				list = append(list, inst)
			}
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Name != list[j].Name {
			return list[i].Name < list[j].Name
		}
		return list[i].ID < list[j].ID
	})
	return list, nil
}

// ListSecurityGroups returns the security groups with the given ids, or all of vpcID's when
// ids is empty, with their IPv4 ingress rules.
func (a *Account) ListSecurityGroups(ctx context.Context, vpcID string, ids ...string) ([]SecurityGroup, error) {
	in := &ec2.DescribeSecurityGroupsInput{}
	if len(ids) > 0 {
		in.GroupIds = ids
	} else {
		in.Filters = []ec2types.Filter{filter("vpc-id", vpcID)}
	}
	var groups []SecurityGroup
	pages := ec2.NewDescribeSecurityGroupsPaginator(a.EC2, in)
	for pages.HasMorePages() {
		var out *ec2.DescribeSecurityGroupsOutput
		err := a.pacer().Call(ctx, "ec2:DescribeSecurityGroups", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe security groups in %s: %w", vpcID, err)
		}
		for _, g := range out.SecurityGroups {
			sg := SecurityGroup{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName), VPCID: aws.ToString(g.VpcId)}
			for _, p := range g.IpPermissions {
				for _, r := range p.IpRanges {
					sg.Ingress = append(sg.Ingress, Rule{
						GroupID: sg.ID, Protocol: aws.ToString(p.IpProtocol),
						FromPort: aws.ToInt32(p.FromPort), ToPort: aws.ToInt32(p.ToPort),
						CIDR: aws.ToString(r.CidrIp), Description: aws.ToString(r.Description),
					})
				}
			}
			groups = append(groups, sg)
		}
	}
	return groups, nil
}

// LoadBalancerIPs returns the private IPv4 addresses of a load balancer's network
// interfaces, which AWS describes as "ELB net/<name>/<id>" (or app/ for an ALB).
func (a *Account) LoadBalancerIPs(ctx context.Context, lbARN string) ([]string, error) {
	suffix, ok := LoadBalancerID(lbARN)
	if !ok {
		return nil, fmt.Errorf("find network interfaces of %s: not a load balancer ARN", lbARN)
	}
	in := &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{filter("description", "ELB "+suffix)}}
	var ips []string
	pages := ec2.NewDescribeNetworkInterfacesPaginator(a.EC2, in)
	for pages.HasMorePages() {
		var out *ec2.DescribeNetworkInterfacesOutput
		err := a.pacer().Call(ctx, "ec2:DescribeNetworkInterfaces", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe network interfaces of %s: %w", lbARN, err)
		}
		for _, ni := range out.NetworkInterfaces {
			if ip := aws.ToString(ni.PrivateIpAddress); ip != "" {
				ips = append(ips, ip)
			}
		}
	}
	sort.Strings(ips)
	return ips, nil
}

func ipPermission(r Rule) ec2types.IpPermission {
	return ec2types.IpPermission{
		IpProtocol: aws.String(r.Protocol),
		FromPort:   aws.Int32(r.FromPort),
		ToPort:     aws.Int32(r.ToPort),
		IpRanges:   []ec2types.IpRange{{CidrIp: aws.String(r.CIDR), Description: aws.String(r.Description)}},
	}
}

// AuthorizeIngress adds rule to its security group, the rule itself tagged with tags. It
// refuses 0.0.0.0/0: vpclink never opens a group to the internet. A rule that already exists
// is reported by added=false, not an error.
func (a *Account) AuthorizeIngress(ctx context.Context, rule Rule, tags map[string]string) (added bool, err error) {
	if rule.CIDR == "0.0.0.0/0" || rule.CIDR == "" {
		return false, fmt.Errorf("authorize ingress to %s from %q: refusing to open a security group to the internet", rule.GroupID, rule.CIDR)
	}
	err = a.pacer().Call(ctx, "ec2:AuthorizeSecurityGroupIngress", func() error {
		in := &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId:       aws.String(rule.GroupID),
			IpPermissions: []ec2types.IpPermission{ipPermission(rule)},
		}
		if len(tags) > 0 {
			spec := ec2types.TagSpecification{ResourceType: ec2types.ResourceTypeSecurityGroupRule}
			for _, k := range slices.Sorted(maps.Keys(tags)) {
				spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
			}
			in.TagSpecifications = []ec2types.TagSpecification{spec}
		}
		_, err := a.EC2.AuthorizeSecurityGroupIngress(ctx, in)
		return err
	})
	if ErrorCode(err) == "InvalidPermission.Duplicate" {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("authorize ingress to %s from %s on port %d: %w", rule.GroupID, rule.CIDR, rule.FromPort, err)
	}
	return true, nil
}

// RevokeIngress removes rule from its security group; a rule or group already gone is success.
func (a *Account) RevokeIngress(ctx context.Context, rule Rule) error {
	err := a.pacer().Call(ctx, "ec2:RevokeSecurityGroupIngress", func() error {
		_, err := a.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId:       aws.String(rule.GroupID),
			IpPermissions: []ec2types.IpPermission{ipPermission(rule)},
		})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("revoke ingress to %s from %s on port %d: %w", rule.GroupID, rule.CIDR, rule.FromPort, err)
	}
	return nil
}
