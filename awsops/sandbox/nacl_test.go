package sandbox

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Every VPC has AWS's default network ACL: it guards each of the VPC's subnets and allows
// all traffic both ways before the catch-all deny; filters work as EC2's do.
func TestEveryVPCHasAWSsDefaultNetworkACL(t *testing.T) {
	sb, err := New(Options{Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	ctx := context.Background()
	vpcs, err := acct.ListVPCs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vpcs {
		subnets, err := acct.ListSubnets(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range subnets {
			ids = append(ids, s.ID)
		}
		acls, err := acct.NetworkACLs(ctx, v.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			acl, ok := acls[id]
			if !ok || !acl.IsDefault || acl.VPCID != v.ID || len(acl.Entries) != 4 {
				t.Fatalf("subnet %s of %s: acl %+v", id, v.ID, acl)
			}
			// Entries come sorted by rule number: allow all (100), then deny all (32767).
			for _, e := range acl.Entries {
				if want := e.RuleNumber == 100; e.Allow != want || e.Protocol != "-1" || e.CIDR != "0.0.0.0/0" {
					t.Errorf("default ACL entry %+v", e)
				}
			}
		}
	}
	out, err := acct.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{"subnet-nope"}}}})
	if err != nil || len(out.NetworkAcls) != 0 {
		t.Errorf("filter by a subnet no ACL guards: %+v, %v", out, err)
	}
	if _, err := acct.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("no-such-filter"), Values: []string{"x"}}}}); err == nil {
		t.Error("an unknown filter is refused by EC2")
	}
}
