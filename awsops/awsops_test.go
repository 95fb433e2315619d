package awsops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

// fakeEC2 has one func field per SDK method a test uses; the embedded interface is nil, so
// calling any other method fails the test loudly.
type fakeEC2 struct {
	EC2API
	describeSubnets     func(*ec2.DescribeSubnetsInput) (*ec2.DescribeSubnetsOutput, error)
	describeRouteTables func(*ec2.DescribeRouteTablesInput) (*ec2.DescribeRouteTablesOutput, error)
	describeENIs        func(*ec2.DescribeNetworkInterfacesInput) (*ec2.DescribeNetworkInterfacesOutput, error)
	authorize           func(*ec2.AuthorizeSecurityGroupIngressInput) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	describeInstances   func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error)
}

func (f *fakeEC2) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	return f.describeSubnets(in)
}
func (f *fakeEC2) DescribeRouteTables(_ context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	return f.describeRouteTables(in)
}
func (f *fakeEC2) DescribeNetworkInterfaces(_ context.Context, in *ec2.DescribeNetworkInterfacesInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	return f.describeENIs(in)
}
func (f *fakeEC2) AuthorizeSecurityGroupIngress(_ context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	return f.authorize(in)
}
func (f *fakeEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return f.describeInstances(in)
}

// fakeELB has one func field per SDK method a test uses, as fakeEC2 does.
type fakeELB struct {
	ELBAPI
	createTargetGroup     func(*elb.CreateTargetGroupInput) (*elb.CreateTargetGroupOutput, error)
	describeLoadBalancers func(*elb.DescribeLoadBalancersInput) (*elb.DescribeLoadBalancersOutput, error)
	describeTargetHealth  func(*elb.DescribeTargetHealthInput) (*elb.DescribeTargetHealthOutput, error)
}

func (f *fakeELB) CreateTargetGroup(_ context.Context, in *elb.CreateTargetGroupInput, _ ...func(*elb.Options)) (*elb.CreateTargetGroupOutput, error) {
	return f.createTargetGroup(in)
}
func (f *fakeELB) DescribeLoadBalancers(_ context.Context, in *elb.DescribeLoadBalancersInput, _ ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error) {
	return f.describeLoadBalancers(in)
}
func (f *fakeELB) DescribeTargetHealth(_ context.Context, in *elb.DescribeTargetHealthInput, _ ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	return f.describeTargetHealth(in)
}

type fakeGateway struct {
	GatewayAPI
	putMethod      func(*apigateway.PutMethodInput) (*apigateway.PutMethodOutput, error)
	putIntegration func(*apigateway.PutIntegrationInput) (*apigateway.PutIntegrationOutput, error)
}

func (f *fakeGateway) PutMethod(_ context.Context, in *apigateway.PutMethodInput, _ ...func(*apigateway.Options)) (*apigateway.PutMethodOutput, error) {
	return f.putMethod(in)
}
func (f *fakeGateway) PutIntegration(_ context.Context, in *apigateway.PutIntegrationInput, _ ...func(*apigateway.Options)) (*apigateway.PutIntegrationOutput, error) {
	return f.putIntegration(in)
}

type fakeLinks struct {
	VPCLinkAPI
	getVpcLink func(*apigateway.GetVpcLinkInput) (*apigateway.GetVpcLinkOutput, error)
}

func (f *fakeLinks) GetVpcLink(_ context.Context, in *apigateway.GetVpcLinkInput, _ ...func(*apigateway.Options)) (*apigateway.GetVpcLinkOutput, error) {
	return f.getVpcLink(in)
}

func apiError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " happened"}
}

// fast returns an account that neither paces nor waits, for tests.
func fast(a *Account) *Account {
	a.Region = "eu-west-1"
	a.Pace = &Pacer{Scale: 0, MaxAttempts: 4}
	a.Poll = Polling{MinDelay: time.Millisecond, MaxDelay: time.Millisecond, Deadline: time.Second}
	return a
}

func TestClassify(t *testing.T) {
	tests := map[string]struct {
		err      error
		notFound bool
		perm     bool
		throttle bool
	}{
		"an access denial becomes a permission error naming the action": {err: apiError("AccessDenied"), perm: true},
		"an EC2 unauthorized operation is a permission error too":       {err: apiError("UnauthorizedOperation"), perm: true},
		"API Gateway's TooManyRequests is retryable throttling":         {err: apiError("TooManyRequestsException"), throttle: true},
		"EC2's RequestLimitExceeded is throttling":                      {err: apiError("RequestLimitExceeded"), throttle: true},
		"a missing load balancer is not found":                          {err: apiError("LoadBalancerNotFound"), notFound: true},
		"any EC2 .NotFound code is not found":                           {err: apiError("InvalidRouteTableID.NotFound"), notFound: true},
		"a validation error stays as it is":                             {err: apiError("ValidationError")},
		"a plain error stays as it is":                                  {err: errors.New("boom")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Classify("elasticloadbalancing:CreateLoadBalancer", tc.err)
			var pe *PermissionError
			var te *ThrottleError
			if errors.As(got, &pe) != tc.perm || errors.As(got, &te) != tc.throttle || IsNotFound(got) != tc.notFound {
				t.Errorf("Classify(%v) = %#v", tc.err, got)
			}
			if tc.perm && pe.Action != "elasticloadbalancing:CreateLoadBalancer" {
				t.Errorf("action = %q", pe.Action)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("Classify lost the original error")
			}
		})
	}
}

func TestIAMAction(t *testing.T) {
	for op, want := range map[string]string{
		"apigateway:CreateVpcLink": "apigateway:POST", "apigateway:GetVpcLink": "apigateway:GET",
		"apigateway:UpdateStage": "apigateway:PATCH", "apigateway:PutIntegration": "apigateway:PUT",
		"apigateway:DeleteRestApi": "apigateway:DELETE", "ec2:DescribeVpcs": "ec2:DescribeVpcs",
	} {
		if got := IAMAction(op); got != want {
			t.Errorf("IAMAction(%s) = %s, want %s", op, got, want)
		}
	}
}

func TestCreateTargetGroupSendsTCPInstancesWithHTTPHealthCheck(t *testing.T) {
	var got *elb.CreateTargetGroupInput
	a := fast(&Account{ELB: &fakeELB{createTargetGroup: func(in *elb.CreateTargetGroupInput) (*elb.CreateTargetGroupOutput, error) {
		got = in
		return &elb.CreateTargetGroupOutput{TargetGroups: []elbtypes.TargetGroup{{TargetGroupArn: aws.String("arn:tg"), TargetGroupName: in.Name}}}, nil
	}}})
	_, err := a.CreateTargetGroup(context.Background(), TargetGroupSpec{Name: "orders-tg", Port: 8080, VPCID: "vpc-1",
		HealthCheck: HealthCheck{Path: "/health", Port: 9000, Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 2},
		Tags:        map[string]string{"vpclink:run": "orders-abc123", "team": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &elb.CreateTargetGroupInput{
		Name: aws.String("orders-tg"), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(8080), VpcId: aws.String("vpc-1"),
		TargetType: elbtypes.TargetTypeEnumInstance, HealthCheckEnabled: aws.Bool(true), HealthCheckProtocol: elbtypes.ProtocolEnumHttp,
		HealthCheckPath: aws.String("/health"), HealthCheckPort: aws.String("9000"), HealthCheckIntervalSeconds: aws.Int32(10),
		HealthyThresholdCount: aws.Int32(3), UnhealthyThresholdCount: aws.Int32(2),
		Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("x")}, {Key: aws.String("vpclink:run"), Value: aws.String("orders-abc123")}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CreateTargetGroup input:\n got %+v\nwant %+v", got, want)
	}
}

func TestListSubnetsMarksPublicFromRouteTables(t *testing.T) {
	var filters []ec2types.Filter
	a := fast(&Account{EC2: &fakeEC2{
		describeSubnets: func(in *ec2.DescribeSubnetsInput) (*ec2.DescribeSubnetsOutput, error) {
			filters = in.Filters
			sn := func(id, az string) ec2types.Subnet {
				return ec2types.Subnet{SubnetId: aws.String(id), AvailabilityZone: aws.String(az), VpcId: aws.String("vpc-1"), AvailableIpAddressCount: aws.Int32(250)}
			}
			return &ec2.DescribeSubnetsOutput{Subnets: []ec2types.Subnet{sn("subnet-pub", "eu-west-1a"), sn("subnet-priv", "eu-west-1b"), sn("subnet-main", "eu-west-1c")}}, nil
		},
		describeRouteTables: func(*ec2.DescribeRouteTablesInput) (*ec2.DescribeRouteTablesOutput, error) {
			return &ec2.DescribeRouteTablesOutput{RouteTables: []ec2types.RouteTable{
				{Routes: []ec2types.Route{{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("igw-1")}},
					Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String("subnet-pub")}}},
				{Routes: []ec2types.Route{{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String("nat-1")}},
					Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String("subnet-priv")}, {Main: aws.Bool(true)}}},
			}}, nil
		},
	}})
	subnets, err := a.ListSubnets(context.Background(), "vpc-1")
	if err != nil {
		t.Fatal(err)
	}
	public := map[string]bool{}
	for _, s := range subnets {
		public[s.ID] = s.Public
	}
	want := map[string]bool{"subnet-pub": true, "subnet-priv": false, "subnet-main": false}
	if !reflect.DeepEqual(public, want) {
		t.Errorf("public = %v, want %v", public, want)
	}
	if len(filters) != 1 || aws.ToString(filters[0].Name) != "vpc-id" || !reflect.DeepEqual(filters[0].Values, []string{"vpc-1"}) {
		t.Errorf("DescribeSubnets filters = %+v; want vpc-id=vpc-1", filters)
	}
}

func TestLoadBalancerIPsFiltersByTheELBDescription(t *testing.T) {
	var got []ec2types.Filter
	a := fast(&Account{EC2: &fakeEC2{describeENIs: func(in *ec2.DescribeNetworkInterfacesInput) (*ec2.DescribeNetworkInterfacesOutput, error) {
		got = in.Filters
		return &ec2.DescribeNetworkInterfacesOutput{NetworkInterfaces: []ec2types.NetworkInterface{{PrivateIpAddress: aws.String("10.0.2.9")}, {PrivateIpAddress: aws.String("10.0.1.7")}}}, nil
	}}})
	ips, err := a.LoadBalancerIPs(context.Background(), "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/net/orders-nlb/50dc6c495c0c9188")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ips, []string{"10.0.1.7", "10.0.2.9"}) {
		t.Errorf("ips = %v", ips)
	}
	if len(got) != 1 || aws.ToString(got[0].Name) != "description" || got[0].Values[0] != "ELB net/orders-nlb/50dc6c495c0c9188" {
		t.Errorf("filters = %+v", got)
	}
}

func TestAuthorizeIngress(t *testing.T) {
	tests := map[string]struct {
		rule      Rule
		answer    error
		wantAdded bool
		wantErr   string
		wantCall  bool
	}{
		"a rule from one NLB address is sent as one IP range": {rule: Rule{GroupID: "sg-1", Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "10.0.1.7/32", Description: "vpclink r"}, wantAdded: true, wantCall: true},
		"the internet is refused before any call":             {rule: Rule{GroupID: "sg-1", Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "0.0.0.0/0"}, wantErr: "refusing to open"},
		"a duplicate rule is not an error, and not ours":      {rule: Rule{GroupID: "sg-1", Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "10.0.0.0/16"}, answer: apiError("InvalidPermission.Duplicate"), wantCall: true},
		"a denial names the EC2 action":                       {rule: Rule{GroupID: "sg-1", Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "10.0.0.0/16"}, answer: apiError("UnauthorizedOperation"), wantCall: true, wantErr: "ec2:AuthorizeSecurityGroupIngress"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got *ec2.AuthorizeSecurityGroupIngressInput
			a := fast(&Account{EC2: &fakeEC2{authorize: func(in *ec2.AuthorizeSecurityGroupIngressInput) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
				got = in
				return &ec2.AuthorizeSecurityGroupIngressOutput{}, tc.answer
			}}})
			added, err := a.AuthorizeIngress(context.Background(), tc.rule, map[string]string{"vpclink:run": "r1"})
			if added != tc.wantAdded || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("added %v, err %v; want %v, %q", added, err, tc.wantAdded, tc.wantErr)
			}
			if (got != nil) != tc.wantCall {
				t.Fatalf("called = %v, want %v", got != nil, tc.wantCall)
			}
			if got != nil {
				want := []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
					IpRanges: []ec2types.IpRange{{CidrIp: aws.String(tc.rule.CIDR), Description: aws.String(tc.rule.Description)}}}}
				tags := []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroupRule, Tags: []ec2types.Tag{{Key: aws.String("vpclink:run"), Value: aws.String("r1")}}}}
				if aws.ToString(got.GroupId) != "sg-1" || !reflect.DeepEqual(got.IpPermissions, want) || !reflect.DeepEqual(got.TagSpecifications, tags) {
					t.Errorf("input = %+v", got)
				}
			}
		})
	}
}

func TestPutProxyMethodSendsTheVPCLinkIntegration(t *testing.T) {
	var method *apigateway.PutMethodInput
	var integ *apigateway.PutIntegrationInput
	a := fast(&Account{Gateway: &fakeGateway{
		putMethod: func(in *apigateway.PutMethodInput) (*apigateway.PutMethodOutput, error) {
			method = in
			return &apigateway.PutMethodOutput{}, nil
		},
		putIntegration: func(in *apigateway.PutIntegrationInput) (*apigateway.PutIntegrationOutput, error) {
			integ = in
			return &apigateway.PutIntegrationOutput{}, nil
		},
	}})
	if err := a.PutProxyMethod(context.Background(), "api1", "res1", Method{HTTPMethod: "PATCH", Authorization: "AWS_IAM"}, false); err != nil {
		t.Fatal(err)
	}
	wantMethod := &apigateway.PutMethodInput{RestApiId: aws.String("api1"), ResourceId: aws.String("res1"), HttpMethod: aws.String("PATCH"),
		AuthorizationType: aws.String("AWS_IAM"), RequestParameters: map[string]bool{"method.request.path.proxy": true}}
	if !reflect.DeepEqual(method, wantMethod) {
		t.Errorf("PutMethod input:\n got %+v\nwant %+v", method, wantMethod)
	}
	wantInteg := &apigateway.PutIntegrationInput{RestApiId: aws.String("api1"), ResourceId: aws.String("res1"), HttpMethod: aws.String("PATCH"),
		Type: gwtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("PATCH"), ConnectionType: gwtypes.ConnectionTypeVpcLink,
		ConnectionId: aws.String("${stageVariables.VPCLink}"), Uri: aws.String("http://${stageVariables.VPCNLB}/{proxy}"),
		RequestParameters:   map[string]string{"integration.request.path.proxy": "method.request.path.proxy"},
		PassthroughBehavior: aws.String("WHEN_NO_MATCH"), TimeoutInMillis: aws.Int32(29000)}
	if !reflect.DeepEqual(integ, wantInteg) {
		t.Errorf("PutIntegration input:\n got %+v\nwant %+v", integ, wantInteg)
	}
}

func TestWaitVPCLink(t *testing.T) {
	tests := map[string]struct {
		statuses []gwtypes.VpcLinkStatus
		message  string
		wantErr  string
	}{
		"PENDING then AVAILABLE ends the wait":             {statuses: []gwtypes.VpcLinkStatus{"PENDING", "PENDING", "AVAILABLE"}},
		"FAILED ends it with AWS's statusMessage":          {statuses: []gwtypes.VpcLinkStatus{"PENDING", "FAILED"}, message: "NLB ARN is malformed", wantErr: "NLB ARN is malformed"},
		"PENDING past the deadline says it may still work": {statuses: []gwtypes.VpcLinkStatus{"PENDING"}, wantErr: "still \"PENDING\""},
	}
	for name, tc := range tests {
		// In a bubble of virtual time: the deadline of 50 ms would otherwise race the polls on a
		// loaded machine.
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				i := 0
				a := fast(&Account{Links: &fakeLinks{getVpcLink: func(in *apigateway.GetVpcLinkInput) (*apigateway.GetVpcLinkOutput, error) {
					s := tc.statuses[min(i, len(tc.statuses)-1)]
					i++
					return &apigateway.GetVpcLinkOutput{Id: in.VpcLinkId, Status: s, StatusMessage: aws.String(tc.message)}, nil
				}}})
				a.Poll.Deadline = 50 * time.Millisecond
				var seen []string
				err := a.WaitVPCLink(context.Background(), "abc123", func(s string) { seen = append(seen, s) })
				if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				var fe *VPCLinkFailedError
				if tc.message != "" && !errors.As(err, &fe) {
					t.Errorf("err %T is not a VPCLinkFailedError", err)
				}
				if seen[0] != "PENDING" {
					t.Errorf("reported %v; want PENDING first", seen)
				}
			})
		})
	}
}

func TestStageSettingsPatch(t *testing.T) {
	ops := StageSettings{LoggingLevel: "INFO", RateLimit: 100.5, BurstLimit: 200}.PatchOperations()
	var got []string
	for _, op := range ops {
		got = append(got, fmt.Sprintf("%s %s=%s", op.Op, aws.ToString(op.Path), aws.ToString(op.Value)))
	}
	want := []string{"replace /*/*/logging/loglevel=INFO", "replace /*/*/throttling/rateLimit=100.5", "replace /*/*/throttling/burstLimit=200"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("patch = %v, want %v", got, want)
	}
	if ops := (StageSettings{LoggingLevel: "OFF"}).PatchOperations(); len(ops) != 0 {
		t.Errorf("OFF and no throttling should patch nothing, got %v", ops)
	}
}
