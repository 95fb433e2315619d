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
	subnets, err := a.describeSubnets(ctx, vpcID, &ec2.DescribeSubnetsInput{Filters: vpcFilter(vpcID)})
	if err != nil {
		return nil, err
	}
	return a.markPublic(ctx, vpcID, subnets)
}

// FindSubnets returns the subnets of vpcID whose id or Name tag is one of refs, sorted and
// marked as ListSubnets does. AWS filters them (subnet-id, tag:Name), so that a plan naming
// two subnets does not read the whole VPC.
func (a *Account) FindSubnets(ctx context.Context, vpcID string, refs []string) ([]Subnet, error) {
	subnets, err := findByRefs(refs, "subnet-", "subnet-id", func(by ec2types.Filter) ([]Subnet, error) {
		return a.describeSubnets(ctx, vpcID, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filter("vpc-id", vpcID), by}})
	}, func(s Subnet) string { return s.ID })
	if err != nil || len(subnets) == 0 {
		return nil, err
	}
	return a.markPublic(ctx, vpcID, subnets)
}

func (a *Account) describeSubnets(ctx context.Context, vpcID string, in *ec2.DescribeSubnetsInput) ([]Subnet, error) {
	var subnets []Subnet
	pages := ec2.NewDescribeSubnetsPaginator(a.EC2, in)
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
	return subnets, nil
}

// markPublic marks each subnet public or not from vpcID's route tables, then sorts them by AZ
// then name.
func (a *Account) markPublic(ctx context.Context, vpcID string, subnets []Subnet) ([]Subnet, error) {
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

// notTerminated are the instance states vpclink can use or warn of.
var notTerminated = filter("instance-state-name", "pending", "running", "stopping", "stopped")

// maxFilterValues is how many values vpclink puts in one EC2 filter: AWS caps them per request.
const maxFilterValues = 200

// ListInstances returns the instances of vpcID that are not terminated, sorted by name then id.
// It reads every page of the VPC: the wizard's picker shows them all.
func (a *Account) ListInstances(ctx context.Context, vpcID string) ([]Instance, error) {
	list, err := a.describeInstances(ctx, vpcID, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{filter("vpc-id", vpcID), notTerminated}})
	if err != nil {
		return nil, err
	}
	sortInstances(list)
	return list, nil
}

// FindInstances returns the instances of vpcID that are not terminated and whose id or Name
// tag is one of refs, sorted by name then id. AWS filters them (instance-id for refs shaped
// like an instance id, tag:Name for the others), so the cost follows len(refs), not the size
// of the VPC.
func (a *Account) FindInstances(ctx context.Context, vpcID string, refs []string) ([]Instance, error) {
	list, err := findByRefs(refs, "i-", "instance-id", func(by ec2types.Filter) ([]Instance, error) {
		return a.describeInstances(ctx, vpcID, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{filter("vpc-id", vpcID), notTerminated, by}})
	}, func(i Instance) string { return i.ID })
	if err != nil {
		return nil, err
	}
	sortInstances(list)
	return list, nil
}

// findByRefs finds the resources whose id or Name tag is one of refs: it calls describe with
// a filter on idFilter for the refs shaped like ids ("<prefix><hex>") and on tag:Name for
// the others, maxFilterValues values at a time, and keeps each resource, known by id, once.
func findByRefs[T any](refs []string, prefix, idFilter string, describe func(by ec2types.Filter) ([]T, error), id func(T) string) ([]T, error) {
	ids, names := splitRefs(refs, prefix)
	var list []T
	seen := map[string]bool{}
	for _, by := range []struct {
		filter string
		values []string
	}{{idFilter, ids}, {"tag:Name", literal(names)}} {
		for part := range slices.Chunk(by.values, maxFilterValues) {
			found, err := describe(filter(by.filter, part...))
			if err != nil {
				return nil, err
			}
			for _, x := range found {
				if !seen[id(x)] {
					seen[id(x)] = true
					list = append(list, x)
				}
			}
		}
	}
	return list, nil
}

// splitRefs parts references to resources into ids (shaped "<prefix><hex>") and names.
func splitRefs(refs []string, prefix string) (ids, names []string) {
	for _, r := range refs {
		if isID(r, prefix) {
			ids = append(ids, r)
		} else {
			names = append(names, r)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(ids))), slices.Compact(slices.Sorted(slices.Values(names)))
}

// literal escapes EC2's filter wildcards (* ? and the backslash) so that a value matches
// only itself.
func literal(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = filterEscaper.Replace(v)
	}
	return out
}

var filterEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)

// isID tells whether s is an EC2 id of the kind prefix names: 8 or 17 hexadecimal digits.
func isID(s, prefix string) bool {
	hex, ok := strings.CutPrefix(s, prefix)
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	return strings.Trim(hex, "0123456789abcdef") == ""
}

func (a *Account) describeInstances(ctx context.Context, vpcID string, in *ec2.DescribeInstancesInput) ([]Instance, error) {
	var list []Instance
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
	return list, nil
}

func sortInstances(list []Instance) {
	sort.Slice(list, func(i, j int) bool {
		if list[i].Name != list[j].Name {
			return list[i].Name < list[j].Name
		}
		return list[i].ID < list[j].ID
	})
}

// ListSecurityGroups returns vpcID's security groups with the given ids (filtered by
// group-id, so a group gone since is simply absent), or all of them when ids is empty, with
// their IPv4 ingress rules.
func (a *Account) ListSecurityGroups(ctx context.Context, vpcID string, ids ...string) ([]SecurityGroup, error) {
	// An empty vpcID looks in every VPC (the groups named by id are enough).
	var scope []ec2types.Filter
	if vpcID != "" {
		scope = append(scope, filter("vpc-id", vpcID))
	}
	if len(ids) == 0 {
		return a.describeSecurityGroups(ctx, vpcID, &ec2.DescribeSecurityGroupsInput{Filters: scope})
	}
	var groups []SecurityGroup
	for part := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), maxFilterValues) {
		found, err := a.describeSecurityGroups(ctx, vpcID, &ec2.DescribeSecurityGroupsInput{Filters: append(slices.Clip(scope), filter("group-id", part...))})
		if err != nil {
			return nil, err
		}
		groups = append(groups, found...)
	}
	return groups, nil
}

func (a *Account) describeSecurityGroups(ctx context.Context, vpcID string, in *ec2.DescribeSecurityGroupsInput) ([]SecurityGroup, error) {
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
