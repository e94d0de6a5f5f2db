#!/usr/bin/env python3
"""Print a SAM template as CloudFormation will deploy it: expanded by the
AWS::LanguageExtensions and AWS::Serverless transforms, offline, with the
samtranslator that ships with cfn-lint. deploy_test.go checks the result.

Usage: python3 deploy/transform.py [template.yaml] > transformed.json
Exit status: 0 transformed, 1 the template does not transform, 3 cfn-lint
(and with it samtranslator) is not installed.
"""
import json
import sys

try:
    from cfnlint.decode import decode
    from cfnlint.template import Template
    from cfnlint.template.transforms.transform import Transform
except ImportError:
    print("transform: cfn-lint is not installed: pip install cfn-lint", file=sys.stderr)
    sys.exit(3)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
    template, problems = decode(path)
    if problems:
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        return 1
    cfn = Template(path, template, ["us-east-1"])
    problems = Transform().transform(cfn)
    if problems:
        for p in problems:
            print(f"{path}: {p.message}", file=sys.stderr)
        return 1
    json.dump(cfn.template, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
