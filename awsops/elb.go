package awsops

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func elbTags(tags map[string]string) []elbtypes.Tag {
	keys := slices.Sorted(maps.Keys(tags))
	out := make([]elbtypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// tagMap is elbTags turned back: ELBv2's tag list as a map.
func tagMap(tags []elbtypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func loadBalancer(lb elbtypes.LoadBalancer) LoadBalancer {
	out := LoadBalancer{
		ARN: aws.ToString(lb.LoadBalancerArn), Name: aws.ToString(lb.LoadBalancerName),
		DNSName: aws.ToString(lb.DNSName), Type: string(lb.Type), Scheme: string(lb.Scheme),
		VPCID: aws.ToString(lb.VpcId), Created: aws.ToTime(lb.CreatedTime),
	}
	if lb.State != nil {
		out.State = string(lb.State.Code)
		out.Reason = aws.ToString(lb.State.Reason)
	}
	for _, az := range lb.AvailabilityZones {
		out.Subnets = append(out.Subnets, aws.ToString(az.SubnetId))
		out.AZs = append(out.AZs, aws.ToString(az.ZoneName))
	}
	return out
}

// ListLoadBalancers returns the internal network load balancers of vpcID, the ones a VPC
// link can target, sorted by name.
func (a *Account) ListLoadBalancers(ctx context.Context, vpcID string) ([]LoadBalancer, error) {
	var list []LoadBalancer
	pages := elb.NewDescribeLoadBalancersPaginator(a.ELB, &elb.DescribeLoadBalancersInput{})
	for pages.HasMorePages() {
		var out *elb.DescribeLoadBalancersOutput
		err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeLoadBalancers", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe load balancers: %w", err)
		}
		for _, lb := range out.LoadBalancers {
			l := loadBalancer(lb)
			if l.Type == "network" && l.Scheme == "internal" && (vpcID == "" || l.VPCID == vpcID) {
				list = append(list, l)
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// GetLoadBalancer returns the load balancer with the given ARN or name.
func (a *Account) GetLoadBalancer(ctx context.Context, arnOrName string) (LoadBalancer, error) {
	in := &elb.DescribeLoadBalancersInput{}
	if strings.HasPrefix(arnOrName, "arn:") {
		in.LoadBalancerArns = []string{arnOrName}
	} else {
		in.Names = []string{arnOrName}
	}
	var out *elb.DescribeLoadBalancersOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeLoadBalancers", func() (err error) {
		out, err = a.ELB.DescribeLoadBalancers(ctx, in)
		return err
	})
	if err == nil && len(out.LoadBalancers) == 0 {
		err = fmt.Errorf("%w: no load balancer %s", ErrNotFound, arnOrName)
	}
	if err != nil {
		return LoadBalancer{}, fmt.Errorf("describe load balancer %s: %w", arnOrName, err)
	}
	return loadBalancer(out.LoadBalancers[0]), nil
}

// Tags returns the tags of an ELBv2 resource.
func (a *Account) Tags(ctx context.Context, arn string) (map[string]string, error) {
	var out *elb.DescribeTagsOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeTags", func() (err error) {
		out, err = a.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{arn}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe tags of %s: %w", arn, err)
	}
	tags := map[string]string{}
	for _, d := range out.TagDescriptions {
		maps.Copy(tags, tagMap(d.Tags))
	}
	return tags, nil
}

// CreateLoadBalancer creates an internal network load balancer in subnets.
func (a *Account) CreateLoadBalancer(ctx context.Context, name string, subnets []string, tags map[string]string) (LoadBalancer, error) {
	var out *elb.CreateLoadBalancerOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:CreateLoadBalancer", func() (err error) {
		out, err = a.ELB.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
			Name:          aws.String(name),
			Type:          elbtypes.LoadBalancerTypeEnumNetwork,
			Scheme:        elbtypes.LoadBalancerSchemeEnumInternal,
			IpAddressType: elbtypes.IpAddressTypeIpv4,
			Subnets:       subnets,
			Tags:          elbTags(tags),
		})
		return err
	})
	if err != nil {
		return LoadBalancer{}, fmt.Errorf("create load balancer %s: %w", name, err)
	}
	if len(out.LoadBalancers) == 0 {
		return LoadBalancer{}, fmt.Errorf("create load balancer %s: AWS returned no load balancer", name)
	}
	return loadBalancer(out.LoadBalancers[0]), nil
}

// DeleteLoadBalancer deletes a load balancer (and its listeners); one already gone is success.
func (a *Account) DeleteLoadBalancer(ctx context.Context, arn string) error {
	err := a.pacer().Call(ctx, "elasticloadbalancing:DeleteLoadBalancer", func() error {
		_, err := a.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete load balancer %s: %w", arn, err)
	}
	return nil
}

// WaitLoadBalancerActive polls until the load balancer is active, reporting its state.
func (a *Account) WaitLoadBalancerActive(ctx context.Context, arn string, report func(string)) error {
	return a.poll(ctx, "load balancer "+arn, report, func(ctx context.Context) (WaitStatus, error) {
		lb, err := a.GetLoadBalancer(ctx, arn)
		if err != nil {
			return WaitStatus{}, err
		}
		switch lb.State {
		case "active":
			return WaitStatus{Done: true, Status: lb.State}, nil
		case "failed", "active_impaired":
			return WaitStatus{}, fmt.Errorf("load balancer %s is %s: %s", lb.Name, lb.State, lb.Reason)
		}
		return WaitStatus{Status: lb.State}, nil
	})
}

// TargetGroupSpec is what CreateTargetGroup needs.
type TargetGroupSpec struct {
	Name        string
	Port        int32
	VPCID       string
	HealthCheck HealthCheck
	Tags        map[string]string
}

func targetGroup(tg elbtypes.TargetGroup) TargetGroup {
	out := TargetGroup{
		ARN: aws.ToString(tg.TargetGroupArn), Name: aws.ToString(tg.TargetGroupName),
		Protocol: string(tg.Protocol), Port: aws.ToInt32(tg.Port), VPCID: aws.ToString(tg.VpcId),
		LoadBalancerARNs: tg.LoadBalancerArns,
		HealthCheck: HealthCheck{Path: aws.ToString(tg.HealthCheckPath), Port: healthPort(tg.HealthCheckPort),
			Interval: aws.ToInt32(tg.HealthCheckIntervalSeconds), HealthyThreshold: aws.ToInt32(tg.HealthyThresholdCount),
			UnhealthyThreshold: aws.ToInt32(tg.UnhealthyThresholdCount), Timeout: aws.ToInt32(tg.HealthCheckTimeoutSeconds)},
	}
	if tg.Matcher != nil {
		out.HealthCheck.Matcher = aws.ToString(tg.Matcher.HttpCode)
	}
	return out
}

// healthPort reads a health check port: "traffic-port" (or nothing) is 0.
func healthPort(p *string) int32 {
	n, err := strconv.Atoi(aws.ToString(p))
	if err != nil {
		return 0
	}
	return int32(n)
}

// CreateTargetGroup creates a TCP target group of instances with an HTTP health check.
func (a *Account) CreateTargetGroup(ctx context.Context, s TargetGroupSpec) (TargetGroup, error) {
	in := &elb.CreateTargetGroupInput{
		Name:                       aws.String(s.Name),
		Protocol:                   elbtypes.ProtocolEnumTcp,
		Port:                       aws.Int32(s.Port),
		VpcId:                      aws.String(s.VPCID),
		TargetType:                 elbtypes.TargetTypeEnumInstance,
		HealthCheckEnabled:         aws.Bool(true),
		HealthCheckProtocol:        elbtypes.ProtocolEnumHttp,
		HealthCheckPath:            aws.String(s.HealthCheck.Path),
		HealthCheckPort:            aws.String("traffic-port"),
		HealthCheckIntervalSeconds: aws.Int32(s.HealthCheck.Interval),
		HealthyThresholdCount:      aws.Int32(s.HealthCheck.HealthyThreshold),
		UnhealthyThresholdCount:    aws.Int32(s.HealthCheck.UnhealthyThreshold),
		Tags:                       elbTags(s.Tags),
	}
	if s.HealthCheck.Port != 0 {
		in.HealthCheckPort = aws.String(fmt.Sprint(s.HealthCheck.Port))
	}
	if s.HealthCheck.Timeout != 0 {
		in.HealthCheckTimeoutSeconds = aws.Int32(s.HealthCheck.Timeout)
	}
	if s.HealthCheck.Matcher != "" {
		in.Matcher = &elbtypes.Matcher{HttpCode: aws.String(s.HealthCheck.Matcher)}
	}
	var out *elb.CreateTargetGroupOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:CreateTargetGroup", func() (err error) {
		out, err = a.ELB.CreateTargetGroup(ctx, in)
		return err
	})
	if err != nil {
		return TargetGroup{}, fmt.Errorf("create target group %s: %w", s.Name, err)
	}
	if len(out.TargetGroups) == 0 {
		return TargetGroup{}, fmt.Errorf("create target group %s: AWS returned no target group", s.Name)
	}
	return targetGroup(out.TargetGroups[0]), nil
}

// GetTargetGroup returns the target group with the given ARN or name.
func (a *Account) GetTargetGroup(ctx context.Context, arnOrName string) (TargetGroup, error) {
	in := &elb.DescribeTargetGroupsInput{}
	if strings.HasPrefix(arnOrName, "arn:") {
		in.TargetGroupArns = []string{arnOrName}
	} else {
		in.Names = []string{arnOrName}
	}
	var out *elb.DescribeTargetGroupsOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeTargetGroups", func() (err error) {
		out, err = a.ELB.DescribeTargetGroups(ctx, in)
		return err
	})
	if err == nil && len(out.TargetGroups) == 0 {
		err = fmt.Errorf("%w: no target group %s", ErrNotFound, arnOrName)
	}
	if err != nil {
		return TargetGroup{}, fmt.Errorf("describe target group %s: %w", arnOrName, err)
	}
	return targetGroup(out.TargetGroups[0]), nil
}

// DeleteTargetGroup deletes a target group; one already gone is success.
func (a *Account) DeleteTargetGroup(ctx context.Context, arn string) error {
	err := a.pacer().Call(ctx, "elasticloadbalancing:DeleteTargetGroup", func() error {
		_, err := a.ELB.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete target group %s: %w", arn, err)
	}
	return nil
}

// CreateListener creates a TCP listener on port that forwards to a target group.
func (a *Account) CreateListener(ctx context.Context, lbARN string, port int32, tgARN string, tags map[string]string) (Listener, error) {
	var out *elb.CreateListenerOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:CreateListener", func() (err error) {
		out, err = a.ELB.CreateListener(ctx, &elb.CreateListenerInput{
			LoadBalancerArn: aws.String(lbARN),
			Protocol:        elbtypes.ProtocolEnumTcp,
			Port:            aws.Int32(port),
			DefaultActions: []elbtypes.Action{{
				Type:           elbtypes.ActionTypeEnumForward,
				TargetGroupArn: aws.String(tgARN),
			}},
			Tags: elbTags(tags),
		})
		return err
	})
	if err != nil {
		return Listener{}, fmt.Errorf("create listener on port %d of %s: %w", port, lbARN, err)
	}
	if len(out.Listeners) == 0 {
		return Listener{}, fmt.Errorf("create listener on port %d of %s: AWS returned no listener", port, lbARN)
	}
	return listener(out.Listeners[0]), nil
}

func listener(l elbtypes.Listener) Listener {
	out := Listener{ARN: aws.ToString(l.ListenerArn), Port: aws.ToInt32(l.Port), Protocol: string(l.Protocol)}
	for _, act := range l.DefaultActions {
		if act.TargetGroupArn != nil {
			out.TargetGroupARN = aws.ToString(act.TargetGroupArn)
		}
	}
	return out
}

// ListListeners returns the listeners of a load balancer.
func (a *Account) ListListeners(ctx context.Context, lbARN string) ([]Listener, error) {
	var list []Listener
	pages := elb.NewDescribeListenersPaginator(a.ELB, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
	for pages.HasMorePages() {
		var out *elb.DescribeListenersOutput
		err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeListeners", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("describe listeners of %s: %w", lbARN, err)
		}
		for _, l := range out.Listeners {
			list = append(list, listener(l))
		}
	}
	return list, nil
}

// DeleteListener deletes a listener; one already gone is success.
func (a *Account) DeleteListener(ctx context.Context, arn string) error {
	err := a.pacer().Call(ctx, "elasticloadbalancing:DeleteListener", func() error {
		_, err := a.ELB.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(arn)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete listener %s: %w", arn, err)
	}
	return nil
}

func targetDescriptions(ids []string, port int32) []elbtypes.TargetDescription {
	out := make([]elbtypes.TargetDescription, 0, len(ids))
	for _, id := range ids {
		out = append(out, elbtypes.TargetDescription{Id: aws.String(id), Port: aws.Int32(port)})
	}
	return out
}

// RegisterTargets registers instances with a target group on port.
func (a *Account) RegisterTargets(ctx context.Context, tgARN string, ids []string, port int32) error {
	err := a.pacer().Call(ctx, "elasticloadbalancing:RegisterTargets", func() error {
		_, err := a.ELB.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tgARN), Targets: targetDescriptions(ids, port)})
		return err
	})
	if err != nil {
		return fmt.Errorf("register %s with %s: %w", strings.Join(ids, ", "), tgARN, err)
	}
	return nil
}

// DeregisterTargets removes instances from a target group; a group already gone is success.
func (a *Account) DeregisterTargets(ctx context.Context, tgARN string, ids []string, port int32) error {
	err := a.pacer().Call(ctx, "elasticloadbalancing:DeregisterTargets", func() error {
		_, err := a.ELB.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tgARN), Targets: targetDescriptions(ids, port)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("deregister %s from %s: %w", strings.Join(ids, ", "), tgARN, err)
	}
	return nil
}

// TargetHealth returns the health of every target registered with a target group.
func (a *Account) TargetHealth(ctx context.Context, tgARN string) ([]TargetHealth, error) {
	var out *elb.DescribeTargetHealthOutput
	err := a.pacer().Call(ctx, "elasticloadbalancing:DescribeTargetHealth", func() (err error) {
		out, err = a.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe target health of %s: %w", tgARN, err)
	}
	var list []TargetHealth
	for _, d := range out.TargetHealthDescriptions {
		th := TargetHealth{}
		if d.Target != nil {
			th.ID, th.Port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
		}
		if d.TargetHealth != nil {
			th.State = string(d.TargetHealth.State)
			th.Reason = string(d.TargetHealth.Reason)
			th.Description = aws.ToString(d.TargetHealth.Description)
		}
		list = append(list, th)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, nil
}

// WaitTargetsHealthy polls the health of a target group's targets until AWS has decided on
// each of them. A target AWS still reports as unused or initial (registering, or not yet
// checked enough times) is not decided yet; the wait gives those a bound derived from the
// health check (see TargetHealthBound), then decides with what it has. It fails, with a
// TargetHealthError naming every target that is not healthy, its reason and what to check,
// when a target is unhealthy or when none is healthy. port is the targets' traffic port.
func (a *Account) WaitTargetsHealthy(ctx context.Context, tgARN string, port int32, hc HealthCheck, report func(string)) error {
	bound := a.TargetHealthBound(hc)
	start := time.Now()
	var names map[string]string
	return a.poll(ctx, "healthy targets in "+ResourceName(tgARN), report, func(ctx context.Context) (WaitStatus, error) {
		list, err := a.TargetHealth(ctx, tgARN)
		if err != nil {
			return WaitStatus{}, err
		}
		if names == nil {
			if names, err = a.instanceNames(ctx, list); err != nil {
				return WaitStatus{}, err
			}
		}
		waited := time.Since(start)
		reports := make([]TargetReport, 0, len(list))
		pending := 0
		for _, t := range list {
			reports = append(reports, TargetReport{TargetHealth: t, Name: names[t.ID]})
			if Undecided(t) {
				pending++
			}
		}
		sort.SliceStable(reports, func(i, j int) bool { return reports[i].Label() < reports[j].Label() })
		if pending > 0 && waited < bound {
			return WaitStatus{Status: healthStatus(reports)}, nil
		}
		return decideHealth(ResourceName(tgARN), reports, port, hc, waited)
	})
}
