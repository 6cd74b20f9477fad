#!/usr/bin/python3
"""Reference values from PyTorch for GenConv's interop tests. Regenerate (needs Debian's python3-torch):
    /usr/bin/python3 tests/GenConv.Tests/Fixtures/PyTorch/make_fixtures.py
Writes safetensors files with a minimal writer of its own (independent of GenConv's):
  lenet5.safetensors          LeNet-5 weights (state_dict names; nn.Flatten takes index 6, so Linear layers are 7, 9, 11)
  lenet5_expected.safetensors a batch: input, labels, logits, loss, dL/dinput and dL/dparameters ("grad.<name>")
  smallcnn.safetensors        initial weights of a small CNN, the batches, and the weights after 5 steps of each optimizer
"""
import json, os, struct
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)


def save(name, tensors):
    header, blobs, offset = {}, [], 0
    for key, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header).encode()
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(struct.pack('<Q', len(raw)) + raw + b''.join(blobs))


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, stride=1, padding=1), nn.Tanh(), nn.AvgPool2d(2),
                         nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.LeakyReLU(0.1), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 3))


torch.manual_seed(2026)
model = lenet5()
x = torch.rand(4, 1, 28, 28, requires_grad=True)
labels = torch.tensor([3, 0, 9, 5])
logits = model(x)
loss = nn.functional.cross_entropy(logits, labels)
loss.backward()
save('lenet5.safetensors', model.state_dict())
expected = {'input': x, 'labels': labels.float(), 'logits': logits, 'loss': loss.reshape(1), 'grad.input': x.grad}
expected.update({'grad.' + k: p.grad for k, p in model.named_parameters()})
save('lenet5_expected.safetensors', expected)

torch.manual_seed(7)
initial = small_cnn().state_dict()
batches = [(torch.randn(8, 1, 8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]
out = {'initial.' + k: v for k, v in initial.items()}
for i, (bx, by) in enumerate(batches):
    out[f'batch{i}.input'] = bx
    out[f'batch{i}.labels'] = by.float()
configs = {
    'sgd': lambda p: torch.optim.SGD(p, lr=0.1),
    'sgd_momentum': lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    'sgd_nesterov': lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001),
    'adam': lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01),
    'adamw': lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
}
for name, make in configs.items():
    net = small_cnn()
    net.load_state_dict(initial)
    optimizer = make(net.parameters())
    for i, (bx, by) in enumerate(batches):
        optimizer.zero_grad()
        step_loss = nn.functional.cross_entropy(net(bx), by)
        step_loss.backward()
        optimizer.step()
        out[f'{name}.loss{i}'] = step_loss.detach().reshape(1)
    out.update({f'{name}.final.{k}': v for k, v in net.state_dict().items()})
save('smallcnn.safetensors', out)
print('torch', torch.__version__, 'fixtures written to', HERE)
