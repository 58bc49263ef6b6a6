"""Data-parallel training across processes (torchrun): NCCL on GPUs, gloo on CPUs.

`asr train` run under ``torchrun --nproc_per_node N`` (or multi-node torchrun) reads RANK,
WORLD_SIZE and LOCAL_RANK from the environment; run plainly, it is a world of one.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .config import ConfigError

# Whether init_world created the process group, and so must destroy it: a group left alive at exit
# lets gloo's threads be torn down while joinable, which aborts the process ("terminate called
# without an active exception") after the work is done.
_owns_group = False


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def backend_for(device_type: str) -> str:
    """The process group's backend. On GPUs NCCL carries the gradients, but the small control tensors
    (stop flags, loss checks, dev results, parameter checksums) live on the CPU, which NCCL cannot reduce:
    they go through gloo."""
    return "cpu:gloo,cuda:nccl" if device_type == "cuda" else "gloo"


def init_world(device_type: str) -> World:
    """Join the process group torchrun set up (idempotent); a single process needs none."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        if device_type == "cuda":
            gpus = torch.cuda.device_count()
            if local_rank >= gpus:
                raise ConfigError(
                    f"process {rank} has LOCAL_RANK {local_rank}, but this node has {gpus} GPU(s): start one "
                    f"process per GPU (torchrun --nproc_per_node {gpus}), or train on the CPU (--set train.device=cpu)")
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend=backend_for(device_type))
        global _owns_group
        _owns_group = True
    return World(rank, size, local_rank)


def all_sum(world: World, tensor: torch.Tensor) -> torch.Tensor:
    """Sum over all processes (in place); a no-op for a world of one."""
    if world.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def _reduce_flag(world: World, flag: bool, op) -> bool:
    if not world.distributed:
        return flag
    t = torch.tensor([1.0 if flag else 0.0])
    dist.all_reduce(t, op=op)
    return bool(t.item() > 0)


def all_agree(world: World, flag: bool) -> bool:
    """True when ``flag`` is true in every process: keeps collective steps in lockstep."""
    return _reduce_flag(world, flag, dist.ReduceOp.MIN)


def any_true(world: World, flag: bool) -> bool:
    """True when ``flag`` is true in any process."""
    return _reduce_flag(world, flag, dist.ReduceOp.MAX)


def broadcast_from_main(world: World, values: list[float]) -> list[float]:
    """Rank 0's ``values`` in every process (for decisions only the main process can make)."""
    if not world.distributed:
        return values
    t = torch.tensor(values, dtype=torch.float64)
    dist.broadcast(t, src=0)
    return t.tolist()


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()


def parameters_in_sync(world: World, module: torch.nn.Module) -> bool:
    """Compare a checksum of every parameter across processes."""
    if not world.distributed:
        return True
    local = torch.stack([p.detach().double().sum().cpu() for p in module.parameters()])
    gathered = [torch.zeros_like(local) for _ in range(world.size)]
    dist.all_gather(gathered, local)
    return all(torch.equal(gathered[0], g) for g in gathered[1:])


def shutdown() -> None:
    """Destroy the process group if init_world created it (one made by the caller is left to the caller).

    Every process must call it: it waits for the others, so that none closes its connections while a
    peer still reads from them."""
    global _owns_group
    if _owns_group and dist.is_initialized():
        gc.collect()  # objects in reference cycles (a dropped DDP wrapper) may still hold the group
        dist.barrier()
        dist.destroy_process_group()
    _owns_group = False
