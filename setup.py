"""Ships the top-level ``resources/`` folder inside the wheel as ``annotator.resources``,
so the app reads its bundled data through importlib.resources, installed or editable."""

from setuptools import find_namespace_packages, find_packages, setup

packages = find_packages(include=["annotator", "annotator.*"])
# Data folders (demo/, vocabulary/, ...) have no __init__.py: list them as namespace packages,
# or setuptools warns that it may drop their files from the wheel.
resource_packages = ["annotator.resources"] + [
    "annotator.resources." + p
    for p in find_namespace_packages("resources", exclude=["__pycache__", "*.__pycache__"])
]
setup(
    packages=packages + resource_packages,
    package_dir={"annotator.resources": "resources"},
)
