"""Print, as JSON, the chain one run built in the moto emulator, with the ids it made replaced
by what they stand for (<tg>, <nlb>, <link>, ...), so that two builds of one plan — by
`vpclink apply` and by the AWS CLI script of `vpclink apply --dry-run` — compare equal.
The run is the run id, or "-" for the one run whose load balancer is in the emulator."""
import json
import sys

import boto3

ENDPOINT, RUN = sys.argv[1], sys.argv[2]
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
elb, gw, ec2 = boto3.client("elbv2", **KW), boto3.client("apigateway", **KW), boto3.client("ec2", **KW)


def elb_tags(arn):
    return {t["Key"]: t["Value"] for d in elb.describe_tags(ResourceArns=[arn])["TagDescriptions"] for t in d["Tags"]}


def ours(arns):
    return [a for a in arns if elb_tags(a).get("vpclink:run") == RUN]


if RUN == "-":
    runs = {elb_tags(lb["LoadBalancerArn"]).get("vpclink:run") for lb in elb.describe_load_balancers()["LoadBalancers"]}
    if len(runs) != 1:
        sys.exit(f"chain: want the load balancer of one run in the emulator, found runs {runs}")
    RUN = runs.pop()

names = {}  # id or ARN -> what it stands for


def name(value, what):
    names[value] = what
    return what


def tags(t):
    t = dict(t or {})
    if t.get("vpclink:run") == RUN:
        t["vpclink:run"] = "<run>"
    return t


chain = {}
tgs = ours([tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]])
lbs = ours([lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]])
if len(tgs) != 1 or len(lbs) != 1:
    sys.exit(f"chain: run {RUN} has {len(tgs)} target group(s) and {len(lbs)} load balancer(s), not one each")
tg = elb.describe_target_groups(TargetGroupArns=tgs)["TargetGroups"][0]
lb = elb.describe_load_balancers(LoadBalancerArns=lbs)["LoadBalancers"][0]
name(tg["TargetGroupArn"], "<tg>")
name(lb["LoadBalancerArn"], "<nlb>")
name(lb["DNSName"], "<nlb-dns>")
chain["targetGroup"] = {
    "name": tg["TargetGroupName"].replace(RUN, "<run>"),
    "tags": tags(elb_tags(tg["TargetGroupArn"])),
    **{k: tg.get(k) for k in ["Protocol", "Port", "VpcId", "TargetType", "HealthCheckEnabled", "HealthCheckProtocol",
                               "HealthCheckPath", "HealthCheckPort", "HealthCheckIntervalSeconds",
                               "HealthyThresholdCount", "UnhealthyThresholdCount"]},
}
chain["targets"] = sorted((t["Target"]["Id"], t["Target"]["Port"])
                          for t in elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"])
chain["loadBalancer"] = {
    "name": lb["LoadBalancerName"].replace(RUN, "<run>"),
    "tags": tags(elb_tags(lb["LoadBalancerArn"])),
    "subnets": sorted(az["SubnetId"] for az in lb["AvailabilityZones"]),
    **{k: lb.get(k) for k in ["Type", "Scheme", "VpcId", "IpAddressType"]},
}
chain["listeners"] = [
    {"Port": l["Port"], "Protocol": l["Protocol"], "tags": tags(elb_tags(l["ListenerArn"])),
     "actions": [(a["Type"], names.get(a.get("TargetGroupArn"), a.get("TargetGroupArn"))) for a in l["DefaultActions"]]}
    for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]]
chain["ingress"] = sorted(
    (g["GroupName"], p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), r["CidrIp"])
    for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [lb["VpcId"]]}])["SecurityGroups"]
    for p in g["IpPermissions"] for r in p.get("IpRanges", []) if r.get("Description") == "vpclink " + RUN)

links = [l for l in gw.get_vpc_links()["items"] if (l.get("tags") or {}).get("vpclink:run") == RUN]
chain["vpcLinks"] = [{"name": name(l["id"], "<link>") and l["name"].replace(RUN, "<run>"), "status": l["status"],
                      "targets": [names.get(a, a) for a in l["targetArns"]], "tags": tags(l.get("tags"))} for l in links]

apis = [a for a in gw.get_rest_apis()["items"] if (a.get("tags") or {}).get("vpclink:run") == RUN]
chain["restApis"] = []
for a in apis:
    api = {"name": a["name"], "endpoint": a.get("endpointConfiguration", {}).get("types"), "tags": tags(a.get("tags")),
           "resources": {}, "deployments": len(gw.get_deployments(restApiId=a["id"])["items"]), "stages": {}}
    for r in gw.get_resources(restApiId=a["id"])["items"]:
        methods = {}
        for verb in r.get("resourceMethods", {}):
            m = gw.get_method(restApiId=a["id"], resourceId=r["id"], httpMethod=verb)
            i = gw.get_integration(restApiId=a["id"], resourceId=r["id"], httpMethod=verb)
            methods[verb] = {
                **{k: m.get(k) for k in ["authorizationType", "apiKeyRequired", "requestParameters"]},
                "integration": {k: i.get(k) for k in ["type", "httpMethod", "connectionType", "uri", "requestParameters",
                                                      "passthroughBehavior", "timeoutInMillis"]},
            }
        api["resources"][r["path"]] = methods
    for st in gw.get_stages(restApiId=a["id"])["item"]:
        api["stages"][st["stageName"]] = {
            "variables": {k: names.get(v, v) for k, v in (st.get("variables") or {}).items()},
            "methodSettings": st.get("methodSettings"), "tags": tags(st.get("tags")),
        }
    plans = [p for p in gw.get_usage_plans()["items"] if (p.get("tags") or {}).get("vpclink:run") == RUN]
    api["usagePlans"] = [{"name": p["name"].replace(RUN, "<run>"), "throttle": p.get("throttle"),
                          "stages": [(names.get(s["apiId"], "<api>") if s["apiId"] != a["id"] else "<api>", s["stage"])
                                     for s in p.get("apiStages", [])],
                          "keys": len(gw.get_usage_plan_keys(usagePlanId=p["id"])["items"]), "tags": tags(p.get("tags"))}
                         for p in plans]
    chain["restApis"].append(api)
print(json.dumps(chain, indent=1, sort_keys=True))
