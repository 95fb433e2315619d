package steps_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// bigVPC is an EC2 fake of a large account: one VPC with three subnets and n running
// instances, plus an instance in another VPC. It answers filters by vpc-id,
// instance-state-name, instance-id, subnet-id and tag:Name, and returns at most 1,000
// instances a page, and records every request.
type bigVPC struct {
	awsops.EC2API // the operations Resolve must not call panic on the nil interface
	instances     []ec2types.Instance
	subnets       []ec2types.Subnet
	instanceCalls []*ec2.DescribeInstancesInput
	subnetCalls   []*ec2.DescribeSubnetsInput
	instancesRead int
}

// caller is an STS fake: the caller is in this account.
type caller string

func (c caller) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String(string(c)), Arn: aws.String("arn:aws:iam::" + string(c) + ":user/admin")}, nil
}

func newBigVPC(n int) *bigVPC {
	f := &bigVPC{}
	for i, az := range []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"} {
		f.subnets = append(f.subnets, ec2types.Subnet{
			SubnetId: aws.String(fmt.Sprintf("subnet-%017x", i+1)), VpcId: aws.String("vpc-big"), AvailabilityZone: aws.String(az),
			CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/20", i*16)), Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("app-" + az[len(az)-1:])}},
		})
	}
	for i := range n {
		az := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}[i%3]
		f.instances = append(f.instances, ec2types.Instance{
			InstanceId: aws.String(fmt.Sprintf("i-%017x", i+1)), VpcId: aws.String("vpc-big"), SubnetId: f.subnets[i%3].SubnetId,
			PrivateIpAddress: aws.String(fmt.Sprintf("10.0.%d.%d", i/250, i%250+4)),
			State:            &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning},
			Placement:        &ec2types.Placement{AvailabilityZone: aws.String(az)},
			Tags:             []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("web-%04d", i))}},
			SecurityGroups:   []ec2types.GroupIdentifier{{GroupId: aws.String("sg-0000000000000000a")}},
		})
	}
	f.instances = append(f.instances, ec2types.Instance{
		InstanceId: aws.String("i-0ffffffffffffffff"), VpcId: aws.String("vpc-other"), State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning},
		Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web-0007")}},
	})
	return f
}

// fields are the filterable values of an instance or subnet.
func match(filters []ec2types.Filter, fields map[string]string) bool {
	for _, flt := range filters {
		v, ok := fields[aws.ToString(flt.Name)]
		if !ok {
			panic("the fake knows no filter " + aws.ToString(flt.Name))
		}
		if !slices.Contains(flt.Values, v) {
			return false
		}
	}
	return true
}

func nameOf(tags []ec2types.Tag) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == "Name" {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func (f *bigVPC) DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	return &ec2.DescribeVpcsOutput{Vpcs: []ec2types.Vpc{
		{VpcId: aws.String("vpc-big"), CidrBlock: aws.String("10.0.0.0/16"), Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("big-vpc")}}},
		{VpcId: aws.String("vpc-other"), CidrBlock: aws.String("10.1.0.0/16")},
	}}, nil
}

func (f *bigVPC) DescribeRouteTables(context.Context, *ec2.DescribeRouteTablesInput, ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	return &ec2.DescribeRouteTablesOutput{RouteTables: []ec2types.RouteTable{{
		RouteTableId: aws.String("rtb-1"), VpcId: aws.String("vpc-big"), Associations: []ec2types.RouteTableAssociation{{Main: aws.Bool(true)}},
	}}}, nil
}

func (f *bigVPC) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	f.subnetCalls = append(f.subnetCalls, in)
	out := &ec2.DescribeSubnetsOutput{}
	for _, s := range f.subnets {
		if match(in.Filters, map[string]string{"vpc-id": aws.ToString(s.VpcId), "subnet-id": aws.ToString(s.SubnetId), "tag:Name": nameOf(s.Tags)}) {
			out.Subnets = append(out.Subnets, s)
		}
	}
	return out, nil
}

func (f *bigVPC) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	f.instanceCalls = append(f.instanceCalls, in)
	var found []ec2types.Instance
	for _, i := range f.instances {
		if match(in.Filters, map[string]string{
			"vpc-id": aws.ToString(i.VpcId), "instance-state-name": string(i.State.Name),
			"instance-id": aws.ToString(i.InstanceId), "tag:Name": nameOf(i.Tags),
		}) {
			found = append(found, i)
		}
	}
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	end := min(start+1000, len(found))
	out := &ec2.DescribeInstancesOutput{}
	for _, i := range found[start:end] {
		out.Reservations = append(out.Reservations, ec2types.Reservation{Instances: []ec2types.Instance{i}})
	}
	f.instancesRead += end - start
	if end < len(found) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func bigPlan(t testing.TB) *steps.Plan {
	t.Helper()
	p, err := steps.ParsePlan("t", []byte("name: t\nvpc: big-vpc\nsubnets: [app-a, subnet-00000000000000002]\n"+
		"targets: {instances: [web-0007, i-00000000000000bb8]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var notTerminated = ec2types.Filter{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}}

func flt(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

// TestResolveLooksUpOnlyThePlansInstances checks that a plan naming two instances, in a VPC
// of 3,000, asks EC2 for those two (one by id, one by Name tag) in one page each, instead
// of reading every page of the VPC.
func TestResolveLooksUpOnlyThePlansInstances(t *testing.T) {
	f := newBigVPC(3000)
	acct := &awsops.Account{EC2: f, STS: caller("111122223333"), Region: "eu-west-1"}
	res, err := steps.Resolve(t.Context(), acct, bigPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Account != "111122223333" {
		t.Errorf("the resolution is for account %q; want the caller's, 111122223333", res.Account)
	}
	wantInstances := []*ec2.DescribeInstancesInput{
		{Filters: []ec2types.Filter{flt("vpc-id", "vpc-big"), notTerminated, flt("instance-id", "i-00000000000000bb8")}},
		{Filters: []ec2types.Filter{flt("vpc-id", "vpc-big"), notTerminated, flt("tag:Name", "web-0007")}},
	}
	if !reflect.DeepEqual(f.instanceCalls, wantInstances) {
		t.Errorf("DescribeInstances was called %d times:\n%s\nwant:\n%s", len(f.instanceCalls), inputs(f.instanceCalls), inputs(wantInstances))
	}
	if f.instancesRead != 2 {
		t.Errorf("EC2 sent %d instances; want only the plan's 2", f.instancesRead)
	}
	wantSubnets := []*ec2.DescribeSubnetsInput{
		{Filters: []ec2types.Filter{flt("vpc-id", "vpc-big"), flt("subnet-id", "subnet-00000000000000002")}},
		{Filters: []ec2types.Filter{flt("vpc-id", "vpc-big"), flt("tag:Name", "app-a")}},
	}
	if !reflect.DeepEqual(f.subnetCalls, wantSubnets) {
		t.Errorf("DescribeSubnets was called with:\n%s\nwant:\n%s", inputs(f.subnetCalls), inputs(wantSubnets))
	}
	var got []string
	for _, i := range res.Instances {
		got = append(got, i.ID+" "+i.Name)
	}
	if want := []string{"i-00000000000000008 web-0007", "i-00000000000000bb8 web-2999"}; !reflect.DeepEqual(got, want) {
		t.Errorf("resolved instances %q; want %q", got, want)
	}
	if len(res.Subnets) != 2 {
		t.Errorf("resolved %d subnets; want 2", len(res.Subnets))
	}
}

func TestResolveNamesInstancesItCannotTellApart(t *testing.T) {
	f := newBigVPC(30)
	f.instances[3].Tags[0].Value = aws.String("web-0007") // two instances of the VPC share a name
	acct := &awsops.Account{EC2: f, STS: caller("111122223333"), Region: "eu-west-1"}
	_, err := steps.Resolve(t.Context(), acct, bigPlan(t))
	want := `2 instances in vpc-big are named "web-0007": name one by its id (i-00000000000000004, i-00000000000000008)`
	if err == nil || !slices.ContainsFunc(errLines(err), func(l string) bool { return l == "targets.instances: "+want }) {
		t.Errorf("err = %v; want it to say %s", err, want)
	}
}

func errLines(err error) []string {
	pe, ok := err.(*steps.PlanError)
	if !ok {
		return nil
	}
	var out []string
	for _, e := range pe.Errors {
		out = append(out, e.Error())
	}
	return out
}

// inputs prints requests' filters and page tokens readably.
func inputs[T ec2.DescribeInstancesInput | ec2.DescribeSubnetsInput](in []*T) string {
	s := ""
	for _, x := range in {
		var filters []ec2types.Filter
		var token *string
		switch x := any(x).(type) {
		case *ec2.DescribeInstancesInput:
			filters, token = x.Filters, x.NextToken
		case *ec2.DescribeSubnetsInput:
			filters, token = x.Filters, x.NextToken
		}
		s += " "
		for _, f := range filters {
			s += fmt.Sprintf(" %s=%v", aws.ToString(f.Name), f.Values)
		}
		if token != nil {
			s += " NextToken=" + *token
		}
		s += "\n"
	}
	return s
}

// BenchmarkResolve3000Instances resolves a plan of two instances in a VPC of 3,000 and
// reports the DescribeInstances requests and the instances EC2 sends for it.
func BenchmarkResolve3000Instances(b *testing.B) {
	f := newBigVPC(3000)
	acct := &awsops.Account{EC2: f, STS: caller("111122223333"), Region: "eu-west-1"}
	p := bigPlan(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := steps.Resolve(context.Background(), acct, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(f.instanceCalls))/float64(b.N), "DescribeInstances/op")
	b.ReportMetric(float64(f.instancesRead)/float64(b.N), "instances-read/op")
}
