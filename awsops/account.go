// Package awsops holds every AWS call vpclink makes. Each service is reached through a narrow
// interface listing only the SDK operations used here, so the real SDK clients and the
// sandbox account are interchangeable; results come back as the small types in types.go.
package awsops

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// EC2API is the part of EC2 that vpclink calls.
type EC2API interface {
	ec2.DescribeVpcsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeInstancesAPIClient
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeRouteTablesAPIClient
	ec2.DescribeNetworkInterfacesAPIClient
	// DescribeNetworkAcls reads the network ACLs between the load balancer and its targets.
	ec2.DescribeNetworkAclsAPIClient
	AuthorizeSecurityGroupIngress(context.Context, *ec2.AuthorizeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupIngress(context.Context, *ec2.RevokeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
}

// ELBAPI is the part of Elastic Load Balancing v2 that vpclink calls.
type ELBAPI interface {
	elb.DescribeLoadBalancersAPIClient
	elb.DescribeTargetGroupsAPIClient
	elb.DescribeListenersAPIClient
	DescribeTargetHealth(context.Context, *elb.DescribeTargetHealthInput, ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
	DescribeTags(context.Context, *elb.DescribeTagsInput, ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
	CreateLoadBalancer(context.Context, *elb.CreateLoadBalancerInput, ...func(*elb.Options)) (*elb.CreateLoadBalancerOutput, error)
	DeleteLoadBalancer(context.Context, *elb.DeleteLoadBalancerInput, ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error)
	CreateTargetGroup(context.Context, *elb.CreateTargetGroupInput, ...func(*elb.Options)) (*elb.CreateTargetGroupOutput, error)
	DeleteTargetGroup(context.Context, *elb.DeleteTargetGroupInput, ...func(*elb.Options)) (*elb.DeleteTargetGroupOutput, error)
	CreateListener(context.Context, *elb.CreateListenerInput, ...func(*elb.Options)) (*elb.CreateListenerOutput, error)
	DeleteListener(context.Context, *elb.DeleteListenerInput, ...func(*elb.Options)) (*elb.DeleteListenerOutput, error)
	RegisterTargets(context.Context, *elb.RegisterTargetsInput, ...func(*elb.Options)) (*elb.RegisterTargetsOutput, error)
	DeregisterTargets(context.Context, *elb.DeregisterTargetsInput, ...func(*elb.Options)) (*elb.DeregisterTargetsOutput, error)
}

// GatewayAPI is the part of API Gateway (REST APIs, stages, keys) that vpclink calls.
type GatewayAPI interface {
	apigateway.GetRestApisAPIClient
	apigateway.GetResourcesAPIClient
	apigateway.GetUsagePlansAPIClient
	apigateway.GetApiKeysAPIClient
	apigateway.GetDeploymentsAPIClient
	apigateway.GetUsagePlanKeysAPIClient
	CreateRestApi(context.Context, *apigateway.CreateRestApiInput, ...func(*apigateway.Options)) (*apigateway.CreateRestApiOutput, error)
	GetRestApi(context.Context, *apigateway.GetRestApiInput, ...func(*apigateway.Options)) (*apigateway.GetRestApiOutput, error)
	DeleteRestApi(context.Context, *apigateway.DeleteRestApiInput, ...func(*apigateway.Options)) (*apigateway.DeleteRestApiOutput, error)
	CreateResource(context.Context, *apigateway.CreateResourceInput, ...func(*apigateway.Options)) (*apigateway.CreateResourceOutput, error)
	DeleteResource(context.Context, *apigateway.DeleteResourceInput, ...func(*apigateway.Options)) (*apigateway.DeleteResourceOutput, error)
	DeleteStage(context.Context, *apigateway.DeleteStageInput, ...func(*apigateway.Options)) (*apigateway.DeleteStageOutput, error)
	DeleteMethod(context.Context, *apigateway.DeleteMethodInput, ...func(*apigateway.Options)) (*apigateway.DeleteMethodOutput, error)
	PutMethod(context.Context, *apigateway.PutMethodInput, ...func(*apigateway.Options)) (*apigateway.PutMethodOutput, error)
	PutIntegration(context.Context, *apigateway.PutIntegrationInput, ...func(*apigateway.Options)) (*apigateway.PutIntegrationOutput, error)
	DeleteDeployment(context.Context, *apigateway.DeleteDeploymentInput, ...func(*apigateway.Options)) (*apigateway.DeleteDeploymentOutput, error)
	CreateDeployment(context.Context, *apigateway.CreateDeploymentInput, ...func(*apigateway.Options)) (*apigateway.CreateDeploymentOutput, error)
	CreateStage(context.Context, *apigateway.CreateStageInput, ...func(*apigateway.Options)) (*apigateway.CreateStageOutput, error)
	GetStage(context.Context, *apigateway.GetStageInput, ...func(*apigateway.Options)) (*apigateway.GetStageOutput, error)
	// GetStages lists an API's stages with their variables: what vpclink scan reads.
	GetStages(context.Context, *apigateway.GetStagesInput, ...func(*apigateway.Options)) (*apigateway.GetStagesOutput, error)
	UpdateStage(context.Context, *apigateway.UpdateStageInput, ...func(*apigateway.Options)) (*apigateway.UpdateStageOutput, error)
	CreateApiKey(context.Context, *apigateway.CreateApiKeyInput, ...func(*apigateway.Options)) (*apigateway.CreateApiKeyOutput, error)
	DeleteApiKey(context.Context, *apigateway.DeleteApiKeyInput, ...func(*apigateway.Options)) (*apigateway.DeleteApiKeyOutput, error)
	CreateUsagePlan(context.Context, *apigateway.CreateUsagePlanInput, ...func(*apigateway.Options)) (*apigateway.CreateUsagePlanOutput, error)
	GetUsagePlan(context.Context, *apigateway.GetUsagePlanInput, ...func(*apigateway.Options)) (*apigateway.GetUsagePlanOutput, error)
	UpdateUsagePlan(context.Context, *apigateway.UpdateUsagePlanInput, ...func(*apigateway.Options)) (*apigateway.UpdateUsagePlanOutput, error)
	DeleteUsagePlan(context.Context, *apigateway.DeleteUsagePlanInput, ...func(*apigateway.Options)) (*apigateway.DeleteUsagePlanOutput, error)
	CreateUsagePlanKey(context.Context, *apigateway.CreateUsagePlanKeyInput, ...func(*apigateway.Options)) (*apigateway.CreateUsagePlanKeyOutput, error)
	// GetAccount reads the account's settings: the CloudWatch Logs role that stage logging needs.
	GetAccount(context.Context, *apigateway.GetAccountInput, ...func(*apigateway.Options)) (*apigateway.GetAccountOutput, error)
	// TestInvokeMethod sends a request through a method's integration without a public call.
	TestInvokeMethod(context.Context, *apigateway.TestInvokeMethodInput, ...func(*apigateway.Options)) (*apigateway.TestInvokeMethodOutput, error)
	// GetApiKey reads one API key, with its value when asked: a check sends it once.
	GetApiKey(context.Context, *apigateway.GetApiKeyInput, ...func(*apigateway.Options)) (*apigateway.GetApiKeyOutput, error)
}

// VPCLinkAPI is the part of API Gateway that manages VPC links. It is separate from
// GatewayAPI so that an emulator without VPC links can be paired with the sandbox's.
type VPCLinkAPI interface {
	apigateway.GetVpcLinksAPIClient
	CreateVpcLink(context.Context, *apigateway.CreateVpcLinkInput, ...func(*apigateway.Options)) (*apigateway.CreateVpcLinkOutput, error)
	GetVpcLink(context.Context, *apigateway.GetVpcLinkInput, ...func(*apigateway.Options)) (*apigateway.GetVpcLinkOutput, error)
	DeleteVpcLink(context.Context, *apigateway.DeleteVpcLinkInput, ...func(*apigateway.Options)) (*apigateway.DeleteVpcLinkOutput, error)
}

// STSAPI tells who the caller is.
type STSAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Polling bounds how waits poll: the first delay, the largest delay, and the deadline.
type Polling struct {
	MinDelay time.Duration
	MaxDelay time.Duration
	Deadline time.Duration
	// AWSTime turns a duration of AWS's own work (registering a target, health checks)
	// into this account's, for waits that are bounded by it; nil means real time.
	AWSTime func(time.Duration) time.Duration
}

// AWSPolling is how waits poll AWS: every 2 s at first, then every 5 s, for up to 15
// minutes. vpclink so notices a resource AWS has finished 2.5 s later on average, while one
// wait makes at most one call every 2 s, far under API Gateway's and ELB's rate limits.
func AWSPolling() Polling {
	return Polling{MinDelay: 2 * time.Second, MaxDelay: 5 * time.Second, Deadline: 15 * time.Minute}
}

// Account is one AWS account in one region, as vpclink reaches it. Its methods share one
// Pacer, so that every call is paced and retried the same way whichever service it goes to.
type Account struct {
	EC2     EC2API
	ELB     ELBAPI
	Gateway GatewayAPI
	Links   VPCLinkAPI
	STS     STSAPI
	Region  string
	// Pace spaces and retries calls; nil means the real service limits.
	Pace *Pacer
	// Poll sets how waits poll; zero fields take AWSPolling's.
	Poll Polling

	paceOnce sync.Once
	// invoker sends requests to invoke URLs (invokeurl.go); nil where they are not
	// reachable: the demo account, an emulator.
	invoker *invoker
}

// FromConfig builds an Account on the real SDK clients for cfg. endpoint, when set, overrides
// every service's endpoint (AWS_ENDPOINT_URL does the same through cfg); profile is only
// named in advice.
//
// The clients do not retry: the Account's Pacer is the one retry layer, with the SDK's own
// classification of retryable errors, so that every attempt is paced and no call is retried
// by both. cfg.RetryMaxAttempts (AWS_MAX_ATTEMPTS, or max_attempts in the profile) bounds
// the Pacer's attempts; DefaultMaxAttempts when unset.
func FromConfig(cfg aws.Config, endpoint, profile string) *Account {
	gw := apigateway.NewFromConfig(cfg, func(o *apigateway.Options) {
		// RetryMaxAttempts is cleared too: the SDK would wrap the retryer with it.
		o.Retryer, o.RetryMaxAttempts = aws.NopRetryer{}, 0
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	attempts := cfg.RetryMaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	return &Account{
		EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) {
			o.Retryer, o.RetryMaxAttempts = aws.NopRetryer{}, 0
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
		ELB: elb.NewFromConfig(cfg, func(o *elb.Options) {
			o.Retryer, o.RetryMaxAttempts = aws.NopRetryer{}, 0
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
		Gateway: gw,
		Links:   gw,
		STS: sts.NewFromConfig(cfg, func(o *sts.Options) {
			o.Retryer, o.RetryMaxAttempts = aws.NopRetryer{}, 0
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
		Region:  cfg.Region,
		Pace:    &Pacer{Scale: 1, MaxAttempts: attempts, Profile: profile, Region: cfg.Region},
		invoker: newInvoker(cfg, endpoint),
	}
}

func (a *Account) pacer() *Pacer {
	// Steps call in parallel: an unset Pacer is made once, not by whichever call comes first.
	a.paceOnce.Do(func() {
		if a.Pace == nil {
			a.Pace = NewPacer()
		}
	})
	return a.Pace
}

func (a *Account) polling() Polling {
	p, def := a.Poll, AWSPolling()
	if p.MinDelay <= 0 {
		p.MinDelay = def.MinDelay
	}
	if p.MaxDelay < p.MinDelay {
		p.MaxDelay = max(p.MinDelay, def.MaxDelay)
	}
	if p.Deadline <= 0 {
		p.Deadline = def.Deadline
	}
	return p
}

// Identity returns who the caller is.
func (a *Account) Identity(ctx context.Context) (Identity, error) {
	var out *sts.GetCallerIdentityOutput
	err := a.pacer().Call(ctx, "sts:GetCallerIdentity", func() (err error) {
		out, err = a.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err != nil {
		return Identity{}, fmt.Errorf("get caller identity: %w", err)
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

// WaitStatus is what one poll of a wait saw: Done ends the wait, Status is shown to the user.
type WaitStatus struct {
	Done   bool
	Status string
}

// poll calls check with growing delays until it reports Done, fails, or the deadline passes.
// report, when not nil, hears every status seen. vpclink polls instead of using the SDK's
// waiters so that the live state reaches the screen and throttled polls are retried.
func (a *Account) poll(ctx context.Context, what string, report func(string), check func(context.Context) (WaitStatus, error)) error {
	p := a.polling()
	waitCtx, cancel := context.WithTimeout(ctx, p.Deadline)
	defer cancel()
	delay := p.MinDelay
	last := ""
	// expired tells the wait's own deadline from the caller's cancellation, whichever call
	// it interrupted.
	expired := func() error {
		if ctx.Err() == nil && waitCtx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("wait for %s: still %q after %s; AWS may finish later: retry or resume to check again", what, last, p.Deadline)
		}
		return nil
	}
	for {
		st, err := check(waitCtx)
		if err != nil {
			if e := expired(); e != nil {
				return e
			}
			return err
		}
		last = st.Status
		if report != nil {
			report(st.Status)
		}
		if st.Done {
			return nil
		}
		if err := sleep(waitCtx, delay); err != nil {
			if e := expired(); e != nil {
				return e
			}
			return err
		}
		delay = min(delay*3/2, p.MaxDelay)
	}
}
