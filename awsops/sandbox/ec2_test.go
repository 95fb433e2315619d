package sandbox_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

func byName(name string, values ...string) []ec2types.Filter {
	return []ec2types.Filter{{Name: aws.String(name), Values: values}}
}

func instanceNames(out *ec2.DescribeInstancesOutput) []string {
	var names []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			for _, t := range i.Tags {
				names = append(names, aws.ToString(t.Value))
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestDescribeInstancesFiltersAsAWSDoes checks the filters vpclink sends, and what AWS does
// with wildcards, tags and unknown names.
func TestDescribeInstancesFiltersAsAWSDoes(t *testing.T) {
	_, a := open(t, sandbox.Options{})
	w := look(t, a)
	tests := map[string]struct {
		filters  []ec2types.Filter
		want     []string
		wantCode string
	}{
		"tag:Name matches exact names":          {filters: byName("tag:Name", "orders-api-1", "bastion"), want: []string{"bastion", "orders-api-1"}},
		"* matches any run of characters":       {filters: byName("tag:Name", "orders-*"), want: []string{"orders-api-1", "orders-api-2", "orders-api-3"}},
		"? matches exactly one character":       {filters: byName("tag:Name", "staging-web-?"), want: []string{"staging-web-1", "staging-web-2"}},
		"an escaped * matches only a *":         {filters: byName("tag:Name", `orders-\*`)},
		"a tag the instances lack matches none": {filters: byName("tag:Team", "*")},
		"filters are ANDed": {filters: append(byName("vpc-id", w.vpc.ID), append(byName("instance-state-name", "stopped"), byName("tag:Name", "*-3", "staging-web-2")...)...),
			want: []string{"orders-api-3"}},
		"instance-id finds one":             {filters: byName("instance-id", w.inst["billing-worker-2"].ID, "i-0123456789abcdef0"), want: []string{"billing-worker-2"}},
		"an unknown filter name is refused": {filters: byName("colour", "blue"), wantCode: "InvalidParameterValue"},
		"filter names are case-sensitive":   {filters: byName("Tag:Name", "bastion"), wantCode: "InvalidParameterValue"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := a.EC2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: tc.filters})
			if tc.wantCode != "" {
				if code := awsops.ErrorCode(err); code != tc.wantCode {
					t.Fatalf("err = %v; want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := instanceNames(out); !slices.Equal(got, tc.want) {
				t.Errorf("found %q; want %q", got, tc.want)
			}
		})
	}
}

func TestTagFiltersSkipUntaggedSubnets(t *testing.T) {
	_, a := open(t, sandbox.Options{})
	out, err := a.EC2.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{Filters: byName("tag:Name", "", "*")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.Subnets {
		if len(s.Tags) == 0 {
			t.Errorf("untagged subnet %s matched a tag:Name filter", aws.ToString(s.SubnetId))
		}
	}
	if len(out.Subnets) == 0 {
		t.Error("tag:Name=* found no named subnet")
	}
}

func TestDescribeInstancesPagesAsAWSDoes(t *testing.T) {
	_, a := open(t, sandbox.Options{})
	ctx := context.Background()
	all, err := a.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if err != nil || all.NextToken != nil {
		t.Fatalf("without MaxResults, one page: token %v, err %v", all.NextToken, err)
	}
	var paged []string
	pages := ec2.NewDescribeInstancesPaginator(a.EC2, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	n := 0
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		paged = append(paged, instanceNames(out)...)
	}
	slices.Sort(paged)
	if want := instanceNames(all); !slices.Equal(paged, want) || n != 2 {
		t.Errorf("pages of 5 gave %q in %d pages; want %q in 2", paged, n, want)
	}
	for name, in := range map[string]*ec2.DescribeInstancesInput{
		"InvalidParameterValue":       {MaxResults: aws.Int32(4)},
		"InvalidParameterCombination": {MaxResults: aws.Int32(5), InstanceIds: []string{look(t, a).inst["bastion"].ID}},
		"InvalidNextToken":            {MaxResults: aws.Int32(5), NextToken: aws.String("nope")},
	} {
		if _, err := a.EC2.DescribeInstances(ctx, in); awsops.ErrorCode(err) != name {
			t.Errorf("%+v: err = %v; want %s", in, err, name)
		}
	}
}
