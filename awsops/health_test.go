package awsops

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// th is one target's health as DescribeTargetHealth reports it.
type th struct{ id, state, reason, desc string }

func healthOutput(targets []th) *elb.DescribeTargetHealthOutput {
	out := &elb.DescribeTargetHealthOutput{}
	for _, t := range targets {
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, elbtypes.TargetHealthDescription{
			Target:       &elbtypes.TargetDescription{Id: aws.String(t.id), Port: aws.Int32(80)},
			TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnum(t.state), Reason: elbtypes.TargetHealthReasonEnum(t.reason), Description: aws.String(t.desc)},
		})
	}
	return out
}

var (
	orders1Unused   = th{"i-01", "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"}
	orders1Register = th{"i-01", "initial", "Elb.RegistrationInProgress", "Target registration is in progress"}
	orders1Checking = th{"i-01", "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"}
	orders1Healthy  = th{"i-01", "healthy", "", ""}
	orders2Checking = th{"i-02", "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"}
	orders2Healthy  = th{"i-02", "healthy", "", ""}
	orders2Timeout  = th{"i-02", "unhealthy", "Target.Timeout", "Request timed out"}
	orders2Failed   = th{"i-02", "unhealthy", "Target.FailedHealthChecks", "Health checks failed"}
	orders2Codes    = th{"i-02", "unhealthy", "Target.FailedHealthChecks", "Health checks failed with these codes: [404]"}
	orders2OtherAZ  = th{"i-02", "unused", "Target.NotInUse", "Target is in an Availability Zone that is not enabled for the load balancer"}
	orders3Stopped  = th{"i-03", "unused", "Target.InvalidState", "Target is in the stopped state"}
)

func TestWaitTargetsHealthy(t *testing.T) {
	hc := HealthCheck{Path: "/health", Interval: 30, HealthyThreshold: 3, UnhealthyThreshold: 3}
	bound := 5*time.Minute + 30*time.Second*(3+2) // registration, then the checks and a margin
	tests := map[string]struct {
		polls       [][]th // what each poll sees; the last repeats
		wantErr     []string
		wantStatus  []string
		atLeast     time.Duration // the wait lasts at least this long
		wantHealthy int
	}{
		"targets unused right after the listener, then initial, then healthy, pass": {
			polls:      [][]th{{orders1Unused}, {orders1Register}, {orders1Checking}, {orders1Healthy}},
			wantStatus: []string{"orders-api-1 (i-01)"},
		},
		"an unhealthy target fails the wait, named, with AWS's reason and what to check": {
			polls: [][]th{{orders1Checking, orders2Checking}, {orders1Healthy, orders2Timeout}},
			wantErr: []string{"1 of 2 targets of orders-tg are healthy",
				"orders-api-2 (i-02): unhealthy, Target.Timeout (Request timed out) — a security group or the service does not answer on port 80; check that the instance's security groups admit the load balancer on port 80, that the subnets' network ACLs let it through both ways, and that GET /health answers 200-399 there (vpclink check names the hop)"},
		},
		"a network load balancer's failed checks name the port to open": {
			polls:   [][]th{{orders2Failed}},
			wantErr: []string{"0 of 1 targets", "orders-api-2 (i-02): unhealthy, Target.FailedHealthChecks (Health checks failed) — a security group or the service does not answer on port 80"},
		},
		"failed checks with codes name the matcher": {
			polls:   [][]th{{orders2Codes}},
			wantErr: []string{"Health checks failed with these codes: [404]) — the service answers GET /health on port 80 with a code outside 200-399; make it answer one of those, or set loadBalancer.healthCheck.matcher"},
		},
		"targets still initial are given the bound, then reported as still being checked": {
			polls:   [][]th{{orders1Checking, orders2Checking}},
			atLeast: bound,
			wantErr: []string{"0 of 2 targets", "orders-api-1 (i-01): initial, Elb.InitialHealthChecking (Initial health checks in progress) — AWS was still checking it after 7m3", "orders-api-2 (i-02): initial"},
		},
		"a stopped instance beside a healthy one is reported without failing the wait": {
			polls:      [][]th{{orders1Healthy, orders3Stopped}},
			wantStatus: []string{"orders-api-1 (i-01); not in service: orders-api-3 (i-03): unused, Target.InvalidState (Target is in the stopped state) — the instance is not running; start it (aws ec2 start-instances --instance-ids i-03)"},
		},
		"a target in a zone the load balancer lacks is waited for until the bound, then reported": {
			polls:      [][]th{{orders1Healthy, orders2OtherAZ}},
			atLeast:    bound,
			wantStatus: []string{"not in service: orders-api-2 (i-02): unused, Target.NotInUse", "add a subnet of that zone to subnets"},
		},
		"a target group without targets fails": {
			polls:   [][]th{{}},
			wantErr: []string{"no target is registered with target group orders-tg"},
		},
		"healthy after the others were checking passes": {
			polls:      [][]th{{orders1Register, orders2Checking}, {orders1Healthy, orders2Healthy}},
			wantStatus: []string{"orders-api-1 (i-01), orders-api-2 (i-02)"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				polls := 0
				var asked [][]string
				a := &Account{
					ELB: &fakeELB{describeTargetHealth: func(in *elb.DescribeTargetHealthInput) (*elb.DescribeTargetHealthOutput, error) {
						if aws.ToString(in.TargetGroupArn) != "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders-tg/abc" {
							t.Errorf("target group = %s", aws.ToString(in.TargetGroupArn))
						}
						out := healthOutput(tc.polls[min(polls, len(tc.polls)-1)])
						polls++
						return out, nil
					}},
					EC2: &fakeEC2{describeInstances: func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
						asked = append(asked, in.InstanceIds)
						out := &ec2.DescribeInstancesOutput{}
						for _, id := range in.InstanceIds {
							name := map[string]string{"i-01": "orders-api-1", "i-02": "orders-api-2", "i-03": "orders-api-3"}[id]
							out.Reservations = append(out.Reservations, ec2types.Reservation{Instances: []ec2types.Instance{{
								InstanceId: aws.String(id), Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}})
						}
						return out, nil
					}},
					Pace: &Pacer{Scale: 0, MaxAttempts: 4},
					Poll: Polling{MinDelay: 5 * time.Second, MaxDelay: 30 * time.Second, Deadline: 15 * time.Minute},
				}
				start := time.Now()
				var last string
				err := a.WaitTargetsHealthy(context.Background(), "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders-tg/abc", 80, hc, func(s string) { last = s })
				took := time.Since(start)
				if (err != nil) != (tc.wantErr != nil) {
					t.Fatalf("err = %v; want one containing %q", err, tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error:\n%v\nwant it to contain %q", err, w)
					}
				}
				var he *TargetHealthError
				if err != nil && !errors.As(err, &he) {
					t.Errorf("err %T is not a TargetHealthError", err)
				}
				for _, w := range tc.wantStatus {
					if !strings.Contains(last, w) {
						t.Errorf("final status %q; want it to contain %q", last, w)
					}
				}
				if took < tc.atLeast || took > max(tc.atLeast, time.Duration(len(tc.polls))*30*time.Second)+30*time.Second {
					t.Errorf("the wait took %s; want %s or more, by at most a poll more", took, tc.atLeast)
				}
				if polls > 0 && len(tc.polls[0]) > 0 {
					if len(asked) != 1 {
						t.Errorf("DescribeInstances was called %d times; want once", len(asked))
					} else if want := ids(tc.polls[0]); !slices.Equal(asked[0], want) {
						t.Errorf("DescribeInstances asked for %v; want %v", asked[0], want)
					}
				}
			})
		})
	}
}

func ids(targets []th) []string {
	var out []string
	for _, t := range targets {
		out = append(out, t.id)
	}
	return out
}

func TestTargetHealthBoundFollowsTheHealthCheck(t *testing.T) {
	tests := map[string]struct {
		hc   HealthCheck
		poll Polling
		want time.Duration
	}{
		"AWS's registration time, then the larger threshold's checks and two more": {
			hc: HealthCheck{Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 5}, poll: Polling{Deadline: time.Hour},
			want: 5*time.Minute + 70*time.Second,
		},
		"AWS's defaults when the health check leaves them out": {
			hc: HealthCheck{}, poll: Polling{Deadline: time.Hour}, want: 5*time.Minute + 7*30*time.Second,
		},
		"the demo account's speed scales it": {
			hc:   HealthCheck{Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 3},
			poll: Polling{Deadline: time.Hour, AWSTime: func(d time.Duration) time.Duration { return d / 20 }},
			want: (5*time.Minute + 50*time.Second) / 20,
		},
		"it ends a poll before the wait's own deadline": {
			hc:   HealthCheck{Interval: 300, HealthyThreshold: 10, UnhealthyThreshold: 10},
			poll: Polling{MinDelay: 5 * time.Second, MaxDelay: 30 * time.Second, Deadline: 15 * time.Minute},
			want: 15*time.Minute - 30*time.Second,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := &Account{Poll: tc.poll}
			if got := a.TargetHealthBound(tc.hc); got != tc.want {
				t.Errorf("bound = %s, want %s", got, tc.want)
			}
		})
	}
}
