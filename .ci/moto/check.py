"""Check what vpclink left in the moto emulator: with "built", the whole chain of the run in
summary.json; with "gone", nothing of it."""
import json
import sys

import boto3

ENDPOINT, WHAT, SUMMARY = sys.argv[1], sys.argv[2], sys.argv[3]
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
s = json.load(open(SUMMARY))
elb, gw, ec2 = boto3.client("elbv2", **KW), boto3.client("apigateway", **KW), boto3.client("ec2", **KW)
lbs = elb.describe_load_balancers()["LoadBalancers"]
apis = gw.get_rest_apis()["items"]
links = gw.get_vpc_links()["items"]
rules = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["shop-sg"]}])["SecurityGroups"][0]["IpPermissions"]
problems = []
if WHAT == "built":
    if s["state"] != "complete":
        problems.append(f"state is {s['state']}: {s.get('error')}")
    if [lb["LoadBalancerArn"] for lb in lbs] != [s["loadBalancerArn"]] or lbs[0]["Scheme"] != "internal":
        problems.append(f"load balancers: {lbs}")
    if [l["id"] for l in links] != [s["vpcLinkId"]] or links[0]["targetArns"] != [s["loadBalancerArn"]]:
        problems.append(f"vpc links: {links}")
    stage = gw.get_stage(restApiId=s["restApiId"], stageName="dev")
    if stage.get("variables") != {"VPCLink": s["vpcLinkId"], "VPCNLB": s["loadBalancerDns"]}:
        problems.append(f"stage variables: {stage.get('variables')}")
    res = [r for r in gw.get_resources(restApiId=s["restApiId"])["items"] if r["path"] == "/{proxy+}"][0]
    for verb in ["GET", "POST", "PATCH", "DELETE"]:
        # moto does not give connectionId back; steps/wire_test.go checks it as sent.
        i = gw.get_integration(restApiId=s["restApiId"], resourceId=res["id"], httpMethod=verb)
        if (i["type"], i.get("connectionType"), i["uri"], i.get("requestParameters")) != (
                "HTTP_PROXY", "VPC_LINK", "http://${stageVariables.VPCNLB}/{proxy}",
                {"integration.request.path.proxy": "method.request.path.proxy"}):
            problems.append(f"integration {verb}: {i}")
    # The root / gets the same methods, so that the invoke URL itself answers.
    root = [r for r in gw.get_resources(restApiId=s["restApiId"])["items"] if r["path"] == "/"][0]
    for verb in ["GET", "POST", "PATCH", "DELETE"]:
        i = gw.get_integration(restApiId=s["restApiId"], resourceId=root["id"], httpMethod=verb)
        if (i["type"], i.get("connectionType"), i["uri"]) != ("HTTP_PROXY", "VPC_LINK", "http://${stageVariables.VPCNLB}/"):
            problems.append(f"root integration {verb}: {i}")
    if not any(r.get("FromPort") == 80 and r["IpRanges"][0]["CidrIp"] == "10.30.0.0/16" for r in rules):
        problems.append(f"ingress: {rules}")
else:
    if lbs or apis or links or rules:
        problems.append(f"left behind: lbs={lbs} apis={apis} links={links} ingress={rules}")
    if elb.describe_target_groups()["TargetGroups"]:
        problems.append("target groups left behind")
if problems:
    print("moto check failed:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"moto check: {WHAT} as expected")
