"""Ships the top-level ``resources/`` folder inside the wheel as ``annotator.resources``,
so the app reads its bundled data through importlib.resources, installed or editable."""

from setuptools import find_packages, setup

packages = find_packages(include=["annotator", "annotator.*"])
resource_packages = ["annotator.resources"] + [
    "annotator.resources." + p for p in find_packages("resources")
]
setup(
    packages=packages + resource_packages,
    package_dir={"annotator.resources": "resources"},
)
