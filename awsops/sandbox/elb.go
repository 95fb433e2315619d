package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// elbAPI is the sandbox's Elastic Load Balancing v2.
type elbAPI struct{ s *Sandbox }

var elbName = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

func sortedValues[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]V, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

func tagMap(t []elbtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, x := range t {
		m[aws.ToString(x.Key)] = aws.ToString(x.Value)
	}
	return m
}

func (st *state) lbState(lb *loadBalancer, now time.Time) string {
	if now.Before(lb.Ready) {
		return "provisioning"
	}
	return "active"
}

func (st *state) describeLB(lb *loadBalancer, now time.Time) elbtypes.LoadBalancer {
	out := elbtypes.LoadBalancer{
		LoadBalancerArn: aws.String(lb.ARN), LoadBalancerName: aws.String(lb.Name), DNSName: aws.String(lb.DNS),
		CanonicalHostedZoneId: aws.String("Z26RNL4JYFTOTI"), CreatedTime: aws.Time(lb.Created),
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Type: elbtypes.LoadBalancerTypeEnumNetwork,
		IpAddressType: elbtypes.IpAddressTypeIpv4, VpcId: aws.String(lb.VPC),
		State: &elbtypes.LoadBalancerState{Code: elbtypes.LoadBalancerStateEnum(st.lbState(lb, now))},
	}
	for _, id := range lb.Subnets {
		out.AvailabilityZones = append(out.AvailabilityZones, elbtypes.AvailabilityZone{SubnetId: aws.String(id), ZoneName: aws.String(st.subnet(id).AZ)})
	}
	return out
}

func lbNotFound() error {
	return apiErr("LoadBalancerNotFound", "One or more load balancers not found")
}
func tgNotFound() error { return apiErr("TargetGroupNotFound", "One or more target groups not found") }

func (e *elbAPI) DescribeLoadBalancers(_ context.Context, in *elb.DescribeLoadBalancersInput, _ ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error) {
	out := &elb.DescribeLoadBalancersOutput{}
	err := e.s.do(svcELB, "DescribeLoadBalancers", false, func(st *state, now time.Time) error {
		found := 0
		for _, lb := range sortedValues(st.LoadBalancers) {
			if len(in.LoadBalancerArns) > 0 && !slices.Contains(in.LoadBalancerArns, lb.ARN) {
				continue
			}
			if len(in.Names) > 0 && !slices.Contains(in.Names, lb.Name) {
				continue
			}
			found++
			out.LoadBalancers = append(out.LoadBalancers, st.describeLB(lb, now))
		}
		if found < len(in.LoadBalancerArns)+len(in.Names) {
			return lbNotFound()
		}
		return nil
	})
	return out, err
}

func (e *elbAPI) DescribeTags(_ context.Context, in *elb.DescribeTagsInput, _ ...func(*elb.Options)) (*elb.DescribeTagsOutput, error) {
	out := &elb.DescribeTagsOutput{}
	err := e.s.do(svcELB, "DescribeTags", false, func(st *state, _ time.Time) error {
		if len(in.ResourceArns) > 20 {
			return apiErr("ValidationError", "1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20")
		}
		for _, arn := range in.ResourceArns {
			var t map[string]string
			switch {
			case st.LoadBalancers[arn] != nil:
				t = st.LoadBalancers[arn].Tags
			case st.TargetGroups[arn] != nil:
				t = st.TargetGroups[arn].Tags
			case st.Listeners[arn] != nil:
				t = st.Listeners[arn].Tags
			case strings.Contains(arn, ":targetgroup/"):
				return tgNotFound()
			default:
				return lbNotFound()
			}
			d := elbtypes.TagDescription{ResourceArn: aws.String(arn)}
			for _, k := range slices.Sorted(maps.Keys(t)) {
				d.Tags = append(d.Tags, elbtypes.Tag{Key: aws.String(k), Value: aws.String(t[k])})
			}
			out.TagDescriptions = append(out.TagDescriptions, d)
		}
		return nil
	})
	return out, err
}

func (e *elbAPI) CreateLoadBalancer(_ context.Context, in *elb.CreateLoadBalancerInput, _ ...func(*elb.Options)) (*elb.CreateLoadBalancerOutput, error) {
	out := &elb.CreateLoadBalancerOutput{}
	err := e.s.do(svcELB, "CreateLoadBalancer", true, func(st *state, now time.Time) error {
		name := aws.ToString(in.Name)
		if !elbName.MatchString(name) || strings.HasPrefix(name, "internal-") {
			return apiErr("ValidationError", fmt.Sprintf("Load balancer name '%s' must have at most 32 characters, contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen or begin with 'internal-'", name))
		}
		if in.Type != elbtypes.LoadBalancerTypeEnumNetwork {
			return apiErr("ValidationError", "The sandbox account only creates network load balancers")
		}
		if len(in.Subnets) == 0 {
			return apiErr("ValidationError", "At least one subnet must be specified")
		}
		vpcID, azs := "", map[string]bool{}
		for _, id := range in.Subnets {
			sn := st.subnet(id)
			if sn == nil {
				return apiErr("SubnetNotFound", fmt.Sprintf("The subnet ID '%s' is not valid", id))
			}
			if vpcID != "" && sn.VPC != vpcID {
				return apiErr("InvalidConfigurationRequest", "All subnets must belong to the same VPC")
			}
			if azs[sn.AZ] {
				return apiErr("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
			}
			vpcID, azs[sn.AZ] = sn.VPC, true
		}
		for _, lb := range st.LoadBalancers {
			if lb.Name == name {
				if slices.Equal(lb.Subnets, in.Subnets) {
					out.LoadBalancers = []elbtypes.LoadBalancer{st.describeLB(lb, now)}
					return nil // AWS returns the existing load balancer for an identical request
				}
				return apiErr("DuplicateLoadBalancerName", fmt.Sprintf("A load balancer with the name '%s' already exists", name))
			}
		}
		id := e.s.random(16)
		lb := &loadBalancer{
			ARN:  fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/%s/%s", st.Region, AccountID, name, id),
			Name: name, DNS: fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", name, id, st.Region), VPC: vpcID,
			Subnets: slices.Clone(in.Subnets), Created: now, Ready: now.Add(e.s.delay(nlbProvisioning)), Tags: tagMap(in.Tags),
		}
		for _, id := range in.Subnets {
			lb.IPs = append(lb.IPs, st.freeIP(st.subnet(id)))
			lb.ENIs = append(lb.ENIs, "eni-0"+e.s.random(16))
		}
		st.LoadBalancers[lb.ARN] = lb
		out.LoadBalancers = []elbtypes.LoadBalancer{st.describeLB(lb, now)}
		return nil
	})
	return out, err
}

// freeIP picks an address in the subnet that no instance or load balancer uses.
func (st *state) freeIP(sn *subnet) string {
	used := map[string]bool{}
	for _, i := range st.Instances {
		used[i.IP] = true
	}
	for _, lb := range st.LoadBalancers {
		for _, ip := range lb.IPs {
			used[ip] = true
		}
	}
	addr := netip.MustParsePrefix(sn.CIDR).Addr()
	for n := 0; n < 200; n++ {
		addr = addr.Next()
		if n >= 100 && !used[addr.String()] {
			break
		}
	}
	return addr.String()
}

func (e *elbAPI) DeleteLoadBalancer(_ context.Context, in *elb.DeleteLoadBalancerInput, _ ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error) {
	err := e.s.do(svcELB, "DeleteLoadBalancer", true, func(st *state, now time.Time) error {
		arn := aws.ToString(in.LoadBalancerArn)
		if st.LoadBalancers[arn] == nil {
			return lbNotFound()
		}
		for _, l := range st.VPCLinks {
			if slices.Contains(l.Targets, arn) && (l.Deleting.IsZero() || now.Before(l.Deleting)) {
				return apiErr("ResourceInUse", fmt.Sprintf("Load balancer '%s' cannot be deleted because it is currently associated with another service", arn))
			}
		}
		for k, l := range st.Listeners {
			if l.LB == arn {
				delete(st.Listeners, k)
			}
		}
		delete(st.LoadBalancers, arn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elb.DeleteLoadBalancerOutput{}, nil
}

func (st *state) describeTG(tg *targetGroup) elbtypes.TargetGroup {
	out := elbtypes.TargetGroup{
		TargetGroupArn: aws.String(tg.ARN), TargetGroupName: aws.String(tg.Name), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(tg.Port), VpcId: aws.String(tg.VPC), TargetType: elbtypes.TargetTypeEnumInstance,
		HealthCheckEnabled: aws.Bool(true), HealthCheckProtocol: elbtypes.ProtocolEnumHttp, HealthCheckPath: aws.String(tg.HealthPath),
		HealthCheckPort: aws.String(tg.HealthPort), HealthCheckIntervalSeconds: aws.Int32(tg.Interval),
		HealthyThresholdCount: aws.Int32(tg.Healthy), UnhealthyThresholdCount: aws.Int32(tg.Unhealthy),
		HealthCheckTimeoutSeconds: aws.Int32(cmp.Or(tg.Timeout, defaultTimeout)),
		Matcher:                   &elbtypes.Matcher{HttpCode: aws.String(cmp.Or(tg.Matcher, defaultMatcher))},
	}
	for _, l := range sortedValues(st.Listeners) {
		if l.TargetGroup == tg.ARN && !slices.Contains(out.LoadBalancerArns, l.LB) {
			out.LoadBalancerArns = append(out.LoadBalancerArns, l.LB)
		}
	}
	return out
}

func (e *elbAPI) DescribeTargetGroups(_ context.Context, in *elb.DescribeTargetGroupsInput, _ ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	out := &elb.DescribeTargetGroupsOutput{}
	err := e.s.do(svcELB, "DescribeTargetGroups", false, func(st *state, _ time.Time) error {
		found := 0
		for _, tg := range sortedValues(st.TargetGroups) {
			if len(in.TargetGroupArns) > 0 && !slices.Contains(in.TargetGroupArns, tg.ARN) {
				continue
			}
			if len(in.Names) > 0 && !slices.Contains(in.Names, tg.Name) {
				continue
			}
			d := st.describeTG(tg)
			if lb := aws.ToString(in.LoadBalancerArn); lb != "" && !slices.Contains(d.LoadBalancerArns, lb) {
				continue
			}
			found++
			out.TargetGroups = append(out.TargetGroups, d)
		}
		if found < len(in.TargetGroupArns)+len(in.Names) {
			return tgNotFound()
		}
		return nil
	})
	return out, err
}

func (e *elbAPI) CreateTargetGroup(_ context.Context, in *elb.CreateTargetGroupInput, _ ...func(*elb.Options)) (*elb.CreateTargetGroupOutput, error) {
	out := &elb.CreateTargetGroupOutput{}
	err := e.s.do(svcELB, "CreateTargetGroup", true, func(st *state, _ time.Time) error {
		name := aws.ToString(in.Name)
		if !elbName.MatchString(name) {
			return apiErr("ValidationError", fmt.Sprintf("Target group name '%s' must have at most 32 characters, contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen", name))
		}
		if st.vpc(aws.ToString(in.VpcId)) == nil {
			return apiErr("ValidationError", fmt.Sprintf("The VPC ID '%s' is not found", aws.ToString(in.VpcId)))
		}
		port := aws.ToInt32(in.Port)
		if port < 1 || port > 65535 {
			return apiErr("ValidationError", "Port must be between 1 and 65535")
		}
		if err := checkHealthCheck(in); err != nil {
			return err
		}
		tg := &targetGroup{
			Name: name, Port: port, VPC: aws.ToString(in.VpcId), HealthPath: cmp.Or(aws.ToString(in.HealthCheckPath), "/"),
			HealthPort: cmp.Or(aws.ToString(in.HealthCheckPort), "traffic-port"), Interval: cmp.Or(aws.ToInt32(in.HealthCheckIntervalSeconds), 30),
			Healthy: cmp.Or(aws.ToInt32(in.HealthyThresholdCount), 5), Unhealthy: cmp.Or(aws.ToInt32(in.UnhealthyThresholdCount), 2), Tags: tagMap(in.Tags),
			Timeout: aws.ToInt32(in.HealthCheckTimeoutSeconds),
		}
		if in.Matcher != nil {
			tg.Matcher = aws.ToString(in.Matcher.HttpCode)
		}
		for _, have := range st.TargetGroups {
			if have.Name == name {
				if have.Port == tg.Port && have.VPC == tg.VPC {
					out.TargetGroups = []elbtypes.TargetGroup{st.describeTG(have)}
					return nil
				}
				return apiErr("DuplicateTargetGroupName", fmt.Sprintf("A target group with the same name '%s' exists, but with different settings", name))
			}
		}
		tg.ARN = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", st.Region, AccountID, name, e.s.random(16))
		st.TargetGroups[tg.ARN] = tg
		out.TargetGroups = []elbtypes.TargetGroup{st.describeTG(tg)}
		return nil
	})
	return out, err
}

func (e *elbAPI) DeleteTargetGroup(_ context.Context, in *elb.DeleteTargetGroupInput, _ ...func(*elb.Options)) (*elb.DeleteTargetGroupOutput, error) {
	err := e.s.do(svcELB, "DeleteTargetGroup", true, func(st *state, _ time.Time) error {
		arn := aws.ToString(in.TargetGroupArn)
		if st.TargetGroups[arn] == nil {
			return tgNotFound()
		}
		for _, l := range st.Listeners {
			if l.TargetGroup == arn {
				return apiErr("ResourceInUse", fmt.Sprintf("Target group '%s' is currently in use by a listener or a rule", arn))
			}
		}
		delete(st.TargetGroups, arn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elb.DeleteTargetGroupOutput{}, nil
}

func describeListener(l *listener) elbtypes.Listener {
	return elbtypes.Listener{
		ListenerArn: aws.String(l.ARN), LoadBalancerArn: aws.String(l.LB), Port: aws.Int32(l.Port), Protocol: elbtypes.ProtocolEnumTcp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(l.TargetGroup)}},
	}
}

// AWS's defaults for a TCP target group's health check.
const (
	defaultTimeout = 10
	defaultMatcher = "200-399"
)

// checkHealthCheck rejects what CreateTargetGroup rejects for a TCP target group (a network
// load balancer's) with an HTTP health check, with AWS's ValidationError messages: first
// the parameters' own constraints, all of them at once, then the rules between them.
func checkHealthCheck(in *elb.CreateTargetGroupInput) error {
	var bad []string
	limit := func(name string, v *int32, lo, hi int32) {
		switch {
		case v == nil:
		case *v < lo:
			bad = append(bad, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *v, name, lo))
		case *v > hi:
			bad = append(bad, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *v, name, hi))
		}
	}
	limit("healthCheckIntervalSeconds", in.HealthCheckIntervalSeconds, 5, 300)
	limit("healthCheckTimeoutSeconds", in.HealthCheckTimeoutSeconds, 2, 120)
	limit("healthyThresholdCount", in.HealthyThresholdCount, 2, 10)
	limit("unhealthyThresholdCount", in.UnhealthyThresholdCount, 2, 10)
	if path := aws.ToString(in.HealthCheckPath); in.HealthCheckPath != nil && (len(path) < 1 || len(path) > 1024) {
		bad = append(bad, fmt.Sprintf("Value '%s' at 'healthCheckPath' failed to satisfy constraint: Member must have length less than or equal to 1024 and greater than or equal to 1", path))
	}
	if len(bad) > 0 {
		errs := "1 validation error detected: "
		if len(bad) > 1 {
			errs = fmt.Sprintf("%d validation errors detected: ", len(bad))
		}
		return apiErr("ValidationError", errs+strings.Join(bad, "; "))
	}
	if in.HealthCheckEnabled != nil && !*in.HealthCheckEnabled {
		return apiErr("ValidationError", "Health checks cannot be disabled for target groups with target type 'instance'")
	}
	if path := aws.ToString(in.HealthCheckPath); in.HealthCheckPath != nil && !strings.HasPrefix(path, "/") {
		return apiErr("ValidationError", "Health check path must start with a '/'")
	}
	interval := cmp.Or(aws.ToInt32(in.HealthCheckIntervalSeconds), 30)
	if timeout := cmp.Or(aws.ToInt32(in.HealthCheckTimeoutSeconds), defaultTimeout); timeout > interval {
		return apiErr("ValidationError", fmt.Sprintf("Health check timeout '%d' must be smaller than or equal to the interval '%d'", timeout, interval))
	}
	if in.Matcher != nil {
		if _, err := matcherCodes(aws.ToString(in.Matcher.HttpCode)); err != nil {
			return err
		}
	}
	return nil
}

// matcherCodes reads a matcher's HTTP codes ("200-399", "200,204") as ranges.
func matcherCodes(m string) ([][2]int, error) {
	var out [][2]int
	for _, part := range strings.Split(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		if errA != nil || errB != nil || a > b {
			return nil, apiErr("ValidationError", "HttpCode must be like 200 | 200-399 | 200,201 ...")
		}
		if a < 200 || b > 599 {
			return nil, apiErr("ValidationError", fmt.Sprintf("Health check matcher HTTP code '%s' must be within '200-599' inclusive", part))
		}
		out = append(out, [2]int{a, b})
	}
	return out, nil
}

func (e *elbAPI) CreateListener(_ context.Context, in *elb.CreateListenerInput, _ ...func(*elb.Options)) (*elb.CreateListenerOutput, error) {
	out := &elb.CreateListenerOutput{}
	err := e.s.do(svcELB, "CreateListener", true, func(st *state, now time.Time) error {
		lbARN := aws.ToString(in.LoadBalancerArn)
		lb := st.LoadBalancers[lbARN]
		if lb == nil {
			return lbNotFound()
		}
		if len(in.DefaultActions) != 1 || in.DefaultActions[0].TargetGroupArn == nil {
			return apiErr("ValidationError", "A listener of a network load balancer needs one forward action")
		}
		tgARN := aws.ToString(in.DefaultActions[0].TargetGroupArn)
		tg := st.TargetGroups[tgARN]
		if tg == nil {
			return tgNotFound()
		}
		if tg.VPC != lb.VPC {
			return apiErr("ValidationError", "The target group and the load balancer must be in the same VPC")
		}
		port := aws.ToInt32(in.Port)
		for _, l := range st.Listeners {
			if l.LB == lbARN && l.Port == port {
				if l.TargetGroup == tgARN {
					out.Listeners = []elbtypes.Listener{describeListener(l)}
					return nil
				}
				return apiErr("DuplicateListener", "A listener already exists on this port for this load balancer")
			}
		}
		l := &listener{ARN: fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/%s/%s", st.Region, AccountID, lbID(lbARN), e.s.random(16)),
			LB: lbARN, Port: port, TargetGroup: tgARN, Tags: tagMap(in.Tags), Created: now}
		st.Listeners[l.ARN] = l
		out.Listeners = []elbtypes.Listener{describeListener(l)}
		return nil
	})
	return out, err
}

func (e *elbAPI) DescribeListeners(_ context.Context, in *elb.DescribeListenersInput, _ ...func(*elb.Options)) (*elb.DescribeListenersOutput, error) {
	out := &elb.DescribeListenersOutput{}
	err := e.s.do(svcELB, "DescribeListeners", false, func(st *state, _ time.Time) error {
		lbARN := aws.ToString(in.LoadBalancerArn)
		if lbARN != "" && st.LoadBalancers[lbARN] == nil {
			return lbNotFound()
		}
		for _, l := range sortedValues(st.Listeners) {
			if (lbARN == "" || l.LB == lbARN) && (len(in.ListenerArns) == 0 || slices.Contains(in.ListenerArns, l.ARN)) {
				out.Listeners = append(out.Listeners, describeListener(l))
			}
		}
		return nil
	})
	return out, err
}

func (e *elbAPI) DeleteListener(_ context.Context, in *elb.DeleteListenerInput, _ ...func(*elb.Options)) (*elb.DeleteListenerOutput, error) {
	err := e.s.do(svcELB, "DeleteListener", true, func(st *state, _ time.Time) error {
		arn := aws.ToString(in.ListenerArn)
		if st.Listeners[arn] == nil {
			return apiErr("ListenerNotFound", "One or more listeners not found")
		}
		delete(st.Listeners, arn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elb.DeleteListenerOutput{}, nil
}

func (e *elbAPI) RegisterTargets(_ context.Context, in *elb.RegisterTargetsInput, _ ...func(*elb.Options)) (*elb.RegisterTargetsOutput, error) {
	err := e.s.do(svcELB, "RegisterTargets", true, func(st *state, now time.Time) error {
		tg := st.TargetGroups[aws.ToString(in.TargetGroupArn)]
		if tg == nil {
			return tgNotFound()
		}
		for _, t := range in.Targets {
			id := aws.ToString(t.Id)
			inst := st.instance(id)
			if inst == nil || st.subnet(inst.Subnet).VPC != tg.VPC {
				return apiErr("InvalidTarget", fmt.Sprintf("The following targets are not in the target group's VPC '%s': '%s'", tg.VPC, id))
			}
			if inst.State != "running" {
				// AWS registers running instances only: a stopped one is refused too.
				return apiErr("InvalidTarget", fmt.Sprintf("The following targets are not in a running state and cannot be registered: '%s'", id))
			}
		}
		for _, t := range in.Targets {
			id, port := aws.ToString(t.Id), cmp.Or(aws.ToInt32(t.Port), tg.Port)
			if !slices.ContainsFunc(tg.Targets, func(x target) bool { return x.ID == id && x.Port == port }) {
				tg.Targets = append(tg.Targets, target{ID: id, Port: port, Registered: now})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elb.RegisterTargetsOutput{}, nil
}

func (e *elbAPI) DeregisterTargets(_ context.Context, in *elb.DeregisterTargetsInput, _ ...func(*elb.Options)) (*elb.DeregisterTargetsOutput, error) {
	err := e.s.do(svcELB, "DeregisterTargets", true, func(st *state, _ time.Time) error {
		tg := st.TargetGroups[aws.ToString(in.TargetGroupArn)]
		if tg == nil {
			return tgNotFound()
		}
		for _, t := range in.Targets {
			id, port := aws.ToString(t.Id), cmp.Or(aws.ToInt32(t.Port), tg.Port)
			tg.Targets = slices.DeleteFunc(tg.Targets, func(x target) bool { return x.ID == id && x.Port == port })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elb.DeregisterTargetsOutput{}, nil
}

func (e *elbAPI) DescribeTargetHealth(_ context.Context, in *elb.DescribeTargetHealthInput, _ ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	out := &elb.DescribeTargetHealthOutput{}
	err := e.s.do(svcELB, "DescribeTargetHealth", false, func(st *state, now time.Time) error {
		tg := st.TargetGroups[aws.ToString(in.TargetGroupArn)]
		if tg == nil {
			return tgNotFound()
		}
		for _, t := range tg.Targets {
			state, reason, desc := e.s.health(st, tg, t, now)
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, elbtypes.TargetHealthDescription{
				Target:          &elbtypes.TargetDescription{Id: aws.String(t.ID), Port: aws.Int32(t.Port)},
				HealthCheckPort: aws.String(strconv.Itoa(int(t.Port))),
				TargetHealth:    &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnum(state), Reason: elbtypes.TargetHealthReasonEnum(reason), Description: aws.String(desc)},
			})
		}
		return nil
	})
	return out, err
}

// health is what the load balancer's checks see of one target, as AWS reports it: unused
// while no listener on a load balancer forwards to its group (or the load balancer has no
// subnet in its zone, or the instance is stopped), then initial while it registers and
// while the first checks run (interval × the healthy or unhealthy threshold), then healthy
// or unhealthy. A check passes when one of the instance's security groups admits every
// load balancer address on the health-check port, the network ACLs let every address reach
// that port and the answers back (naclops.go), the instance's service listens on that
// port (service.go), and its code for the health-check path is one the matcher accepts. A network load balancer reports every failed check as Target.FailedHealthChecks:
// AWS documents Target.Timeout and Target.ResponseCodeMismatch for the other load balancers.
func (s *Sandbox) health(st *state, tg *targetGroup, t target, now time.Time) (string, string, string) {
	inst := st.instance(t.ID)
	var lb *loadBalancer
	var listened time.Time
	for _, l := range sortedValues(st.Listeners) {
		if l.TargetGroup == tg.ARN {
			lb, listened = st.LoadBalancers[l.LB], l.Created
		}
	}
	switch {
	case inst == nil:
		return "unused", "Target.InvalidState", "Target is in the terminated state"
	case inst.State != "running":
		return "unused", "Target.InvalidState", "Target is in the " + inst.State + " state"
	case lb == nil:
		return "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"
	}
	if !slices.Contains(lbAZs(st, lb), st.subnet(inst.Subnet).AZ) {
		return "unused", "Target.NotInUse", "Target is in an Availability Zone that is not enabled for the load balancer"
	}
	start := t.Registered
	for _, at := range []time.Time{listened, lb.Ready} {
		if at.After(start) {
			start = at
		}
	}
	checking := start.Add(s.delay(registrationTime))
	if now.Before(checking) {
		return "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
	}
	port := t.Port
	if p, err := strconv.Atoi(tg.HealthPort); err == nil {
		port = int32(p)
	}
	// A check reaches the service only through the instance's security groups and the
	// subnets' network ACLs, both ways, and only a service listening on the checked port
	// answers it.
	answers := admits(st, inst, lb.IPs, port) && lbReaches(st, lb, inst, port) && inst.listensOn(port)
	code, _ := inst.serve("GET", cmp.Or(tg.HealthPath, "/"))
	accepted := false
	codes, _ := matcherCodes(cmp.Or(tg.Matcher, defaultMatcher))
	for _, c := range codes {
		accepted = accepted || (c[0] <= code && code <= c[1])
	}
	passes := answers && accepted
	checks := tg.Unhealthy
	if passes {
		checks = tg.Healthy
	}
	if now.Before(checking.Add(s.delay(time.Duration(tg.Interval) * time.Second * time.Duration(checks)))) {
		return "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"
	}
	switch {
	case passes:
		return "healthy", "", ""
	case !answers:
		return "unhealthy", "Target.FailedHealthChecks", "Health checks failed"
	}
	return "unhealthy", "Target.FailedHealthChecks", fmt.Sprintf("Health checks failed with these codes: [%d]", code)
}

func lbAZs(st *state, lb *loadBalancer) []string {
	var azs []string
	for _, id := range lb.Subnets {
		azs = append(azs, st.subnet(id).AZ)
	}
	return azs
}

// admits reports whether one of the instance's groups lets every address in ips reach port.
func admits(st *state, inst *instance, ips []string, port int32) bool {
	for _, ip := range ips {
		addr := netip.MustParseAddr(ip)
		ok := false
		for _, gid := range inst.Groups {
			for _, r := range st.group(gid).Ingress {
				p, err := netip.ParsePrefix(r.CIDR)
				if err != nil || !p.Contains(addr) {
					continue
				}
				if r.Protocol == "-1" || (r.Protocol == "tcp" && r.From <= port && port <= r.To) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
