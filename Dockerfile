# The image of a worker of `losscourse grade --scheduler` (README: Grading on a Dask cluster):
# the course at one commit, installed from the lock, and bubblewrap for the sandbox.
#   docker build -t losscourse-worker --build-arg COMMIT=$(git rev-parse HEAD) .
#   docker run --rm --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#       losscourse-worker dask worker tcp://SCHEDULER:8786 --nworkers 8 --nthreads 1
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

# Exactly the lock's versions, with their hashes, as `make` installs them.
COPY requirements/lock.txt /opt/course/requirements/lock.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/python -m pip install --quiet --require-hashes --no-deps -r /opt/course/requirements/lock.txt

# The course itself (what a wheel installs: losslib and losscourse; their sources are what the
# coordinator compares). The solutions are not needed: they travel with each submission.
COPY pyproject.toml README.md LICENSE /opt/course/
COPY losslib /opt/course/losslib
COPY losscourse /opt/course/losscourse
RUN /opt/venv/bin/python -m pip install --quiet --no-deps --no-build-isolation /opt/course

ARG COMMIT=""
ENV LOSSCOURSE_COMMIT=$COMMIT \
    PATH=/opt/venv/bin:$PATH
# Not root: the sandbox needs no privilege beyond user namespaces.
RUN useradd --create-home grader
USER grader
WORKDIR /home/grader
CMD ["dask", "worker", "--help"]
