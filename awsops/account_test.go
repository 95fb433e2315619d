package awsops

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestWaitsNoticeAWSFinishingWithinFiveSecondsOnAverage(t *testing.T) {
	// Each wait runs against a resource that AWS finishes at a time of its own, spread over
	// how long AWS takes (targets pass health checks in a minute or two, an NLB is active in
	// a few minutes, a VPC link takes up to ten); the lag is the time from AWS finishing to
	// the wait returning. Polls run at the real pace (simulated time).
	waits := map[string]struct {
		longest time.Duration
		wait    func(a *Account, done func() bool) error
	}{
		"targets healthy": {longest: 3 * time.Minute, wait: func(a *Account, done func() bool) error {
			a.ELB = &fakeELB{describeTargetHealth: func(*elb.DescribeTargetHealthInput) (*elb.DescribeTargetHealthOutput, error) {
				state := elbtypes.TargetHealthStateEnumInitial
				if done() {
					state = elbtypes.TargetHealthStateEnumHealthy
				}
				return &elb.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbtypes.TargetHealthDescription{{
					Target: &elbtypes.TargetDescription{Id: aws.String("i-0123456789abcdef0"), Port: aws.Int32(8080)}, TargetHealth: &elbtypes.TargetHealth{State: state}}}}, nil
			}}
			a.EC2 = &fakeEC2{describeInstances: func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
				return &ec2.DescribeInstancesOutput{}, nil
			}}
			return a.WaitTargetsHealthy(context.Background(), "arn:tg", 8080, HealthCheck{}, nil)
		}},
		"load balancer active": {longest: 5 * time.Minute, wait: func(a *Account, done func() bool) error {
			a.ELB = &fakeELB{describeLoadBalancers: func(in *elb.DescribeLoadBalancersInput) (*elb.DescribeLoadBalancersOutput, error) {
				state := elbtypes.LoadBalancerStateEnumProvisioning
				if done() {
					state = elbtypes.LoadBalancerStateEnumActive
				}
				return &elb.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{{
					LoadBalancerArn: aws.String(in.LoadBalancerArns[0]), State: &elbtypes.LoadBalancerState{Code: state}}}}, nil
			}}
			return a.WaitLoadBalancerActive(context.Background(), "arn:lb", nil)
		}},
		"vpc link available": {longest: 10 * time.Minute, wait: func(a *Account, done func() bool) error {
			a.Links = &fakeLinks{getVpcLink: func(in *apigateway.GetVpcLinkInput) (*apigateway.GetVpcLinkOutput, error) {
				status := gwtypes.VpcLinkStatusPending
				if done() {
					status = gwtypes.VpcLinkStatusAvailable
				}
				return &apigateway.GetVpcLinkOutput{Id: in.VpcLinkId, Status: status}, nil
			}}
			return a.WaitVPCLink(context.Background(), "abc123", nil)
		}},
		"vpc link deleted": {longest: 5 * time.Minute, wait: func(a *Account, done func() bool) error {
			a.Links = &fakeLinks{getVpcLink: func(in *apigateway.GetVpcLinkInput) (*apigateway.GetVpcLinkOutput, error) {
				if done() {
					return nil, apiError("NotFoundException")
				}
				return &apigateway.GetVpcLinkOutput{Id: in.VpcLinkId, Status: gwtypes.VpcLinkStatusDeleting}, nil
			}}
			return a.WaitVPCLinkDeleted(context.Background(), "abc123", nil)
		}},
	}
	for name, w := range waits {
		t.Run(name, func(t *testing.T) {
			var lag time.Duration
			runs, polls := 0, 0
			shortest := w.longest
			for finish := time.Duration(0); finish <= w.longest; finish += 1300 * time.Millisecond {
				synctest.Test(t, func(t *testing.T) {
					start := time.Now()
					var last time.Time
					done := func() bool {
						if !last.IsZero() {
							shortest = min(shortest, time.Since(last))
						}
						last = time.Now()
						polls++
						return time.Since(start) >= finish
					}
					a := &Account{Region: "eu-west-1"} // AWS's pace and polling
					if err := w.wait(a, done); err != nil {
						t.Fatalf("finishing after %v: %v", finish, err)
					}
					lag += time.Since(start) - finish
					runs++
				})
			}
			avg := lag / time.Duration(runs)
			t.Logf("%d finish times up to %v: average lag %v, %d polls, shortest gap %v", runs, w.longest, avg.Round(time.Millisecond), polls, shortest)
			if avg > 5*time.Second {
				t.Errorf("vpclink noticed AWS finishing %v later on average; want at most 5s", avg.Round(time.Millisecond))
			}
			// A wait polls at most once a second: three at once (the most a build runs) stay far
			// under API Gateway's 10 calls a second and ELB's describe limits.
			if shortest < time.Second {
				t.Errorf("two polls came %v apart; want at least 1s", shortest)
			}
		})
	}
}
